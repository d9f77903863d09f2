import Foundation
import Testing

@testable import WatchdogProtocol

@Suite("ControlProtocol")
struct ControlProtocolTests {
    let idText = "0B6C9F6E-3C2F-4A63-9A43-2F0F5D1C7A11"
    var id: TaskID { TaskID(idText)! }

    func parse(_ line: String) -> Result<ControlRequest, ControlError> {
        ControlProtocol.parse(Array(line.utf8))
    }

    /// The error code a line is refused with; `nil` when it is accepted.
    func code(_ line: String) -> ControlError.Code? {
        code(Array(line.utf8))
    }

    func code(_ bytes: [UInt8]) -> ControlError.Code? {
        if case .failure(let error) = ControlProtocol.parse(bytes) { return error.code }
        return nil
    }

    @Test func bareIDIsWatchAndLowerCased() throws {
        let request = try parse(idText).get()
        #expect(request == .watch(id, maxRuntime: nil, startedAt: nil))
        #expect(id.rawValue == "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")
        #expect(try parse(idText + "\r").get() == request)
    }

    @Test func watchWithOptions() throws {
        let request = try parse("watch \(idText) max-runtime=1h30min started-at=2026-11-29T09:00:00Z").get()
        #expect(
            request
                == .watch(
                    id, maxRuntime: .seconds(5400), startedAt: Date(timeIntervalSince1970: 1_795_942_800)))
        #expect(
            try parse("watch   \(idText)  max-runtime=infinity").get() == .watch(id, maxRuntime: nil, startedAt: nil))
    }

    @Test func otherVerbs() throws {
        #expect(try parse("stop \(idText)").get() == .stop(id))
        #expect(try parse("forget \(idText)").get() == .forget(id))
        #expect(try parse("status").get() == .status(nil))
        #expect(try parse("status \(idText)").get() == .status(id))
        #expect(try parse("list").get() == .list(nil))
        #expect(try parse("list state=gave_up").get() == .list(.gaveUp))
    }

    @Test(arguments: [
        ("", ControlError.Code.badRequest), ("   ", .badRequest), ("not-a-uuid", .invalidTaskID),
        ("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1", .invalidTaskID), ("watch", .badRequest),
        ("watch nope", .invalidTaskID), ("stop", .badRequest), ("forget", .badRequest),
        ("status a b", .badRequest), ("list state=forgotten", .badRequest), ("list state=nope", .badRequest),
        ("list watching", .badRequest), ("frobnicate 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11", .badRequest),
        ("watch 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 max-runtime=5 parsecs", .badRequest),
        ("watch 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 max-runtime=banana", .badRequest),
        ("watch 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 started-at=yesterday", .badRequest),
        ("watch 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 colour=blue", .badRequest),
        ("watch 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11 max-runtime=1h max-runtime=2h", .badRequest),
        ("STOP 0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11", .badRequest),
        ("stop\t0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11", .badRequest),
    ])
    func malformedLines(line: String, expected: ControlError.Code) {
        #expect(code(line) == expected)
    }

    @Test func extendTakesATaskIDAndAFiniteSpanAboveZero() throws {
        #expect(try parse("extend \(idText) by=15min").get() == .extend(id, by: .seconds(900)))
        #expect(ControlRequest.extend(id, by: .seconds(900)).requestLine.text == "extend \(id.rawValue) by=900s")
        #expect(
            try parse(ControlRequest.extend(id, by: .milliseconds(1500)).requestLine.text).get()
                == .extend(id, by: .milliseconds(1500)))
        for line in [
            "extend \(idText)", "extend by=1h", "extend \(idText) 1h", "extend \(idText) by=1h by=2h",
            "extend \(idText) by=0s", "extend \(idText) by=infinity", "extend \(idText) by=soon",
            "extend \(idText) max-runtime=1h",
        ] {
            #expect(code(line) == .badRequest, "\(line)")
        }
        #expect(code("extend nope by=1h") == .invalidTaskID)
    }

    @Test func invalidUTF8AndLength() {
        if case .failure(let error) = ControlProtocol.parse([0xFF, 0xFE]) {
            #expect(error.code == .badRequest)
        } else {
            Issue.record("accepted invalid UTF-8")
        }
        // One byte over the limit is line_too_long; exactly at the limit the line is read (and is no task ID).
        let long = Array(repeating: UInt8(ascii: "a"), count: 4097)
        #expect(code(long) == .lineTooLong)
        let exact = Array(repeating: UInt8(ascii: "a"), count: 4096)
        #expect(code(exact) == .invalidTaskID)
    }

    @Test func messagesClipEchoedInput() {
        let junk = String(repeating: "x", count: 500)
        guard case .failure(let error) = parse(junk) else { Issue.record("accepted"); return }
        #expect(error.message.count < 200)
    }
}

@Suite("RFC3339")
struct RFC3339Tests {
    @Test(arguments: [
        ("2026-11-29T09:00:00Z", 1_795_942_800.0), ("2026-11-29t09:00:00z", 1_795_942_800.0),
        ("2026-11-29T10:00:00+01:00", 1_795_942_800.0), ("2026-11-29T08:30:00-00:30", 1_795_942_800.0),
        ("2026-11-29T09:00:00.5Z", 1_795_942_800.5), ("2024-02-29T00:00:00Z", 1_709_164_800.0),
        ("1970-01-01T00:00:00Z", 0.0),
    ])
    func parses(text: String, expected: Double) {
        #expect(RFC3339.parse(text)?.timeIntervalSince1970 == expected)
    }

    @Test(arguments: [
        "2026-11-29", "2026-11-29T09:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-29T24:00:00Z",
        "2026-11-29T09:00:00.Z", "2026-11-29T09:00:00+1:00", "2026-11-29 09:00:00Z", "x026-11-29T09:00:00Z",
        "2026-11-29T09:00:00Zjunk",
    ])
    func rejects(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func formatsUTCWithMilliseconds() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_795_942_800.123)) == "2026-11-29T09:00:00.123Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }
}
