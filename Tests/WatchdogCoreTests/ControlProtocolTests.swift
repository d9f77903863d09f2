import Foundation
import Testing

@testable import WatchdogCore

@Suite("ControlProtocol")
struct ControlProtocolTests {
    let idText = "0B6C9F6E-3C2F-4A63-9A43-2F0F5D1C7A11"
    var id: TaskID { TaskID(idText)! }

    func parse(_ line: String) -> Result<ControlRequest, ControlError> {
        ControlProtocol.parse(Array(line.utf8))
    }

    func code(_ line: String) -> ControlError.Code? {
        if case .failure(let error) = parse(line) { return error.code }
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

    @Test func invalidUTF8AndLength() {
        if case .failure(let error) = ControlProtocol.parse([0xFF, 0xFE]) {
            #expect(error.code == .badRequest)
        } else {
            Issue.record("accepted invalid UTF-8")
        }
        let long = Array(repeating: UInt8(ascii: "a"), count: 4097)
        if case .failure(let error) = ControlProtocol.parse(long) { #expect(error.code == .lineTooLong) }
        let exact = Array(repeating: UInt8(ascii: "a"), count: 4096)
        if case .failure(let error) = ControlProtocol.parse(exact) { #expect(error.code == .invalidTaskID) }
    }

    @Test func messagesClipEchoedInput() {
        let junk = String(repeating: "x", count: 500)
        guard case .failure(let error) = parse(junk) else { Issue.record("accepted"); return }
        #expect(error.message.count < 200)
    }
}

@Suite("ControlResponse")
struct ControlResponseTests {
    let record = TaskRecord(
        id: TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!, state: .stopping,
        watchedAt: Date(timeIntervalSince1970: 1_795_942_800), startedAt: Date(timeIntervalSince1970: 1_795_942_800),
        deadline: Date(timeIntervalSince1970: 1_795_945_500.25), maxRuntime: .seconds(2700), attempts: 2,
        lastHTTPStatus: 502, lastError: "upstream \"gateway\"\nbroke",
        updatedAt: Date(timeIntervalSince1970: 1_795_945_501),
        requestedBy: Requester(uid: 1000, pid: 4242))

    @Test func taskLineHasEveryFieldInOrder() {
        #expect(
            ControlResponse.task(record).jsonLine
                == #"{"ok":true,"task":{"id":"0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11","state":"stopping","#
                + #""watched_at":"2026-11-29T09:00:00.000Z","deadline":"2026-11-29T09:45:00.250Z","max_runtime_s":2700,"#
                + #""attempts":2,"last_http_status":502,"last_error":"upstream \"gateway\"\nbroke","#
                + #""updated_at":"2026-11-29T09:45:01.000Z","requested_by":{"uid":1000,"pid":4242}}}"#)
    }

    @Test func exemptTaskHasNulls() throws {
        var exempt = record
        exempt.deadline = nil
        exempt.maxRuntime = nil
        exempt.lastHTTPStatus = nil
        exempt.lastError = nil
        let line = ControlResponse.tasks([exempt]).jsonLine
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let task = (object["tasks"] as! [[String: Any]])[0]
        #expect(task["deadline"] is NSNull)
        #expect(task["max_runtime_s"] is NSNull)
        #expect(task["last_http_status"] is NSNull)
        #expect(task["last_error"] is NSNull)
    }

    @Test func failureAndDaemonStatusAreValidJSON() throws {
        let failure = ControlResponse.failure(ControlError(.notAllowed, "nope \u{1}")).jsonLine
        #expect(failure == #"{"ok":false,"error":"not_allowed","message":"nope \u0001"}"#)
        let status = DaemonStatus(
            version: "0.1.0", uptimeSeconds: 12, policyPath: "/etc/p.toml",
            policyLoadedAt: Date(timeIntervalSince1970: 0), counts: [.watching: 3], dryRun: true,
            apiBaseURL: "https://eu1.api.matillion.com/dpc", token: .missing, storeRecreated: 2)
        let line = ControlResponse.daemon(status).jsonLine
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let daemon = object["daemon"] as! [String: Any]
        #expect((daemon["counts"] as! [String: Int])["watching"] == 3)
        #expect((daemon["counts"] as! [String: Int])["gave_up"] == 0)
        #expect((daemon["api"] as! [String: String])["token"] == "missing")
        #expect((daemon["policy"] as! [String: String])["loaded_at"] == "1970-01-01T00:00:00.000Z")
        #expect(daemon["dry_run"] as? Bool == true)
        #expect((daemon["store"] as! [String: Int])["recreated"] == 2)
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

@Suite("DeadlineQueue and TaskID")
struct DeadlineQueueTests {
    @Test func popsInOrderOnlyWhenDue() {
        var queue = DeadlineQueue()
        let base = Date(timeIntervalSince1970: 1000)
        let ids = (0..<5).map { TaskID("00000000-0000-0000-0000-00000000000\($0)")! }
        for (offset, id) in zip([30.0, 10, 20, 10, 50], ids) { queue.push(id, at: base.addingTimeInterval(offset)) }
        #expect(queue.earliest == base.addingTimeInterval(10))
        var popped: [TaskID] = []
        while let entry = queue.popDue(now: base.addingTimeInterval(25)) { popped.append(entry.id) }
        #expect(popped == [ids[1], ids[3], ids[2]])
        #expect(queue.count == 2)
        #expect(queue.earliest == base.addingTimeInterval(30))
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
