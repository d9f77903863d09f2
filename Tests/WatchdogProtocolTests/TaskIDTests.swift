import Foundation
import Testing
import WatchdogProtocol

@Suite("TaskID held as 128 bits")
struct TaskIDTests {
    /// Any case in, lower case out; order and equality as the canonical text's.
    @Test func textRoundTripsAndOrdersLikeTheText() throws {
        var ids: [TaskID] = []
        for _ in 0..<500 {
            let text = UUID().uuidString
            let id = try #require(TaskID(text))
            #expect(id.rawValue == text.lowercased())
            #expect(id.description == text.lowercased())
            #expect(TaskID(text.lowercased()) == id)
            ids.append(id)
        }
        #expect(ids.sorted().map(\.rawValue) == ids.map(\.rawValue).sorted())
        #expect(Set(ids.map(\.hashValue)).count > 490)
        #expect(TaskID("00000000-0000-0000-0000-000000000000")?.rawValue == "00000000-0000-0000-0000-000000000000")
        #expect(TaskID("ffffffff-ffff-ffff-ffff-ffffffffffff")?.rawValue == "ffffffff-ffff-ffff-ffff-ffffffffffff")
    }

    @Test func malformedTextIsRefused() {
        for bad in [
            "", "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1", "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a111",
            "0b6c9f6e03c2f-4a63-9a43-2f0f5d1c7a11", "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1g",
            "0b6c9f6e-3c2f-4a63-9a4-32f0f5d1c7a11", "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7aé",
            "-b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11", " 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1",
        ] {
            #expect(TaskID(bad) == nil, "\(bad)")
        }
    }

    @Test func codableAsItsText() throws {
        let id = try #require(TaskID("0B6C9F6E-3C2F-4A63-9A43-2F0F5D1C7A11"))
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == #"["0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11"]"#)
        #expect(try JSONDecoder().decode([TaskID].self, from: data) == [id])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([TaskID].self, from: Data(#"["nope"]"#.utf8)) }
    }

    @Test func taskIDForms() {
        #expect(TaskID("0B6C9F6E-3C2F-4A63-9A43-2F0F5D1C7A11")?.rawValue == "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")
        for bad in [
            "", "0b6c9f6e3c2f4a639a432f0f5d1c7a11", "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1g",
            "{0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1}", "0b6c9f6e-3c2f-4a63-9a43_2f0f5d1c7a11",
            "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 ",
        ] {
            #expect(TaskID(bad) == nil, "accepted \(bad)")
        }
    }
}
