import Foundation
import Testing
import WatchdogCore
import WatchdogProtocol

@Suite("ControlResponse")
struct ControlResponseTests {
    let record = TaskRecord(
        id: TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!, state: .stopping,
        watchedAt: Date(timeIntervalSince1970: 1_795_942_800), startedAt: Date(timeIntervalSince1970: 1_795_942_800),
        deadline: Date(timeIntervalSince1970: 1_795_945_500.25), maxRuntime: .seconds(2700), attempts: 2,
        lastHTTPStatus: 502, lastError: "upstream \"gateway\"\nbroke",
        updatedAt: Date(timeIntervalSince1970: 1_795_945_501),
        requestedBy: Requester(uid: 1000, pid: 4242))

    /// One line, one JSON object, every field with its value. Key order is not part of the contract (clients must
    /// accept any order and ignore keys they do not know), so the parsed object is compared, not the bytes.
    @Test func taskLineHasEveryField() throws {
        let line = ControlResponse.task(record).jsonLine
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["ok", "task"])
        #expect(object["ok"] as? Bool == true)
        let task = try #require(object["task"] as? [String: Any])
        #expect(
            Set(task.keys).isSuperset(of: [
                "id", "state", "watched_at", "deadline", "max_runtime_s", "attempts", "last_http_status", "last_error",
                "updated_at", "requested_by", "source", "started_at", "maia_status", "confirmed_at", "warned_at",
                "extended_s",
            ]))
        #expect(task["id"] as? String == "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")
        #expect(task["state"] as? String == "stopping")
        #expect(task["watched_at"] as? String == "2026-11-29T09:00:00.000Z")
        #expect(task["deadline"] as? String == "2026-11-29T09:45:00.250Z")
        #expect((task["max_runtime_s"] as? NSNumber)?.intValue == 2700)
        #expect((task["attempts"] as? NSNumber)?.intValue == 2)
        #expect((task["last_http_status"] as? NSNumber)?.intValue == 502)
        #expect(task["last_error"] as? String == "upstream \"gateway\"\nbroke")
        #expect(task["updated_at"] as? String == "2026-11-29T09:45:01.000Z")
        let requester = try #require(task["requested_by"] as? [String: Any])
        #expect(Set(requester.keys) == ["uid", "pid"])
        #expect((requester["uid"] as? NSNumber)?.intValue == 1000)
        #expect((requester["pid"] as? NSNumber)?.intValue == 4242)
    }

    /// The exact line for a record none of whose newer fields is set: a socket watch not yet read, warned or
    /// extended. The runtime's origin is always known.
    @Test func taskLineWithTheNewFieldsUnset() {
        #expect(
            ControlResponse.task(record).jsonLine == #"""
                {"ok":true,"task":{"id":"0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11","state":"stopping",\#
                "watched_at":"2026-11-29T09:00:00.000Z","deadline":"2026-11-29T09:45:00.250Z","max_runtime_s":2700,\#
                "attempts":2,"last_http_status":502,"last_error":"upstream \"gateway\"\nbroke",\#
                "updated_at":"2026-11-29T09:45:01.000Z","requested_by":{"uid":1000,"pid":4242},"source":"socket",\#
                "started_at":"2026-11-29T09:00:00.000Z","maia_status":null,"confirmed_at":null,"warned_at":null,\#
                "extended_s":0}}
                """#)
    }

    /// The exact line for a record with every newer field set. `started_at` is the record's origin, not its watch;
    /// the fields only the daemon uses (`reads`, `nextReadAt`, …) do not travel.
    @Test func taskLineWithEveryNewFieldSet() {
        var stopped = record
        stopped.state = .stopped
        stopped.startedAt = Date(timeIntervalSince1970: 1_795_941_000)
        stopped.maiaStatus = "STOPPED"
        stopped.confirmedAt = Date(timeIntervalSince1970: 1_795_945_570.5)
        stopped.warnedAt = Date(timeIntervalSince1970: 1_795_945_200)
        stopped.extended = .seconds(900)
        stopped.unconfirmedAt = Date(timeIntervalSince1970: 1_795_947_301)
        stopped.lastAcceptedAt = Date(timeIntervalSince1970: 1_795_945_501)
        stopped.readPurpose = .confirm
        stopped.nextReadAt = Date(timeIntervalSince1970: 1_795_945_600)
        stopped.reads = 3
        stopped.readFailures = 1
        #expect(
            ControlResponse.task(stopped).jsonLine == #"""
                {"ok":true,"task":{"id":"0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11","state":"stopped",\#
                "watched_at":"2026-11-29T09:00:00.000Z","deadline":"2026-11-29T09:45:00.250Z","max_runtime_s":2700,\#
                "attempts":2,"last_http_status":502,"last_error":"upstream \"gateway\"\nbroke",\#
                "updated_at":"2026-11-29T09:45:01.000Z","requested_by":{"uid":1000,"pid":4242},"source":"socket",\#
                "started_at":"2026-11-29T08:30:00.000Z","maia_status":"STOPPED",\#
                "confirmed_at":"2026-11-29T09:46:10.500Z","warned_at":"2026-11-29T09:40:00.000Z","extended_s":900}}
                """#)
    }

    /// A discovered task has no requester: `requested_by` is `null`, whatever placeholder the record holds.
    @Test func discoveredTaskHasNoRequester() {
        var discovered = record
        discovered.source = .discovery
        discovered.state = .watching
        discovered.maiaStatus = "RUNNING"
        discovered.extended = .milliseconds(1500)
        #expect(
            ControlResponse.tasks([discovered]).jsonLine == #"""
                {"ok":true,"tasks":[{"id":"0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11","state":"watching",\#
                "watched_at":"2026-11-29T09:00:00.000Z","deadline":"2026-11-29T09:45:00.250Z","max_runtime_s":2700,\#
                "attempts":2,"last_http_status":502,"last_error":"upstream \"gateway\"\nbroke",\#
                "updated_at":"2026-11-29T09:45:01.000Z","requested_by":null,"source":"discovery",\#
                "started_at":"2026-11-29T09:00:00.000Z","maia_status":"RUNNING","confirmed_at":null,\#
                "warned_at":null,"extended_s":1.5}]}
                """#)
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
