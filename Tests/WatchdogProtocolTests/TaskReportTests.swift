import Foundation
import Testing
import WatchdogProtocol

/// The TASK object on the wire: the exact line the daemon writes, and what the client reads back from it, from an
/// older daemon, and from a daemon that sends something unexpected.
@Suite("TaskReport")
struct TaskReportTests {
    static let id = TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!

    /// Every key set, the new ones included; `maia_status` is Maia's text and is escaped like any other string.
    static let full = TaskReport(
        id: id, state: .stopped, watchedAt: "2026-11-29T09:00:00.000Z", deadline: "2026-11-29T10:00:00.000Z",
        maxRuntime: .seconds(2700), attempts: 1, lastHTTPStatus: 204, lastError: nil,
        updatedAt: "2026-11-29T10:00:20.000Z", requestedBy: .init(uid: 1000, pid: 4242), source: "socket",
        startedAt: "2026-11-29T09:00:00.000Z", maiaStatus: "STOPPED \"really\"\n",
        confirmedAt: "2026-11-29T10:00:20.000Z", warnedAt: "2026-11-29T09:55:00.000Z", extended: .seconds(900))

    static let fullJSON = """
        {"id":"0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11","state":"stopped","watched_at":"2026-11-29T09:00:00.000Z",\
        "deadline":"2026-11-29T10:00:00.000Z","max_runtime_s":2700,"attempts":1,"last_http_status":204,\
        "last_error":null,"updated_at":"2026-11-29T10:00:20.000Z","requested_by":{"uid":1000,"pid":4242},\
        "source":"socket","started_at":"2026-11-29T09:00:00.000Z","maia_status":"STOPPED \\"really\\"\\n",\
        "confirmed_at":"2026-11-29T10:00:20.000Z","warned_at":"2026-11-29T09:55:00.000Z","extended_s":900}
        """

    /// An answer as a daemon that predates `source` … `extended_s` wrote it.
    static let oldJSON = """
        {"id":"0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11","state":"watching","watched_at":"2026-11-29T09:00:00.000Z",\
        "deadline":"2026-11-29T09:45:00.000Z","max_runtime_s":2700,"attempts":0,"last_http_status":null,\
        "last_error":null,"updated_at":"2026-11-29T09:00:00.000Z","requested_by":{"uid":1000,"pid":4242}}
        """

    static func decodeTask(_ json: String) throws -> TaskReport {
        let reply = try JSONDecoder().decode(ControlReply.self, from: Data(#"{"ok":true,"task":\#(json)}"#.utf8))
        return try #require(reply.task)
    }

    @Test func everyKeySetIsWrittenInTheContractsOrder() {
        #expect(ControlReply.task(Self.full).jsonLine == #"{"ok":true,"task":"# + Self.fullJSON + "}")
    }

    @Test func everyKeyUnsetIsNull() {
        let empty = TaskReport(
            id: nil, state: nil, watchedAt: nil, deadline: nil, maxRuntime: nil, attempts: nil, lastHTTPStatus: nil,
            lastError: nil, updatedAt: nil, requestedBy: nil)
        #expect(
            ControlReply.tasks([empty]).jsonLine == """
                {"ok":true,"tasks":[{"id":null,"state":null,"watched_at":null,"deadline":null,"max_runtime_s":null,\
                "attempts":null,"last_http_status":null,"last_error":null,"updated_at":null,"requested_by":null,\
                "source":null,"started_at":null,"maia_status":null,"confirmed_at":null,"warned_at":null,\
                "extended_s":null}]}
                """)
    }

    /// `extended_s` is written like `max_runtime_s`: whole seconds as an integer, anything finer as a decimal.
    @Test func extensionIsANumberOfSecondsLikeTheLimit() throws {
        var task = Self.full
        task.extended = .milliseconds(1500)
        let line = ControlReply.task(task).jsonLine
        #expect(line.hasSuffix(#","extended_s":1.5}}"#), "\(line)")
        task.extended = .zero
        #expect(ControlReply.task(task).jsonLine.hasSuffix(#","extended_s":0}}"#))
    }

    @Test func fullAnswerDecodesToWhatWasEncoded() throws {
        #expect(try Self.decodeTask(Self.fullJSON) == Self.full)
        var discovered = Self.full
        discovered.requestedBy = nil
        discovered.source = "discovery"
        discovered.extended = .milliseconds(250)
        let line = ControlReply.task(discovered).jsonLine
        #expect(try JSONDecoder().decode(ControlReply.self, from: Data(line.utf8)).task == discovered)
    }

    /// An older daemon's answer decodes: the keys it sent are read, the ones it does not know of are `nil`.
    @Test func answerOfAnOlderDaemonDecodes() throws {
        let task = try Self.decodeTask(Self.oldJSON)
        #expect(task.id == Self.id)
        #expect(task.state == .watching)
        #expect(task.deadline == "2026-11-29T09:45:00.000Z")
        #expect(task.maxRuntime == .seconds(2700))
        #expect(task.requestedBy == .init(uid: 1000, pid: 4242))
        #expect(task.source == nil)
        #expect(task.startedAt == nil)
        #expect(task.maiaStatus == nil)
        #expect(task.confirmedAt == nil)
        #expect(task.warnedAt == nil)
        #expect(task.extended == nil)
    }

    /// A new key of an unexpected type reads as `nil` and costs none of the others.
    @Test func mistypedNewKeysReadAsNil() throws {
        let newKeys = """
            ,"source":1,"started_at":true,"maia_status":{"s":"RUNNING"},"confirmed_at":["x"],"warned_at":12,\
            "extended_s":"15min","future_key":{"a":[1]}}
            """
        let task = try Self.decodeTask(String(Self.oldJSON.dropLast()) + newKeys)
        #expect(task.source == nil)
        #expect(task.startedAt == nil)
        #expect(task.maiaStatus == nil)
        #expect(task.confirmedAt == nil)
        #expect(task.warnedAt == nil)
        #expect(task.extended == nil)
        #expect(task.id == Self.id)
        #expect(task.maxRuntime == .seconds(2700))
        #expect(task.requestedBy == .init(uid: 1000, pid: 4242))
    }

    /// Values this version does not know are kept as text, not dropped: a later daemon may add a source.
    @Test func unknownSourceAndStatusAreKeptAsSent() throws {
        let json = String(Self.oldJSON.dropLast()) + #","source":"api","maia_status":"PAUSED","extended_s":60.5}"#
        let task = try Self.decodeTask(json)
        #expect(task.source == "api")
        #expect(task.maiaStatus == "PAUSED")
        #expect(task.extended == .milliseconds(60500))
    }

    /// A number of seconds no `Duration` holds reads as absent rather than bringing the client down.
    @Test func hugeSpansReadAsNil() throws {
        let json = String(Self.oldJSON.dropLast()) + #","extended_s":-1e300}"#
        let task = try Self.decodeTask(
            json.replacingOccurrences(of: #""max_runtime_s":2700"#, with: #""max_runtime_s":1e300"#))
        #expect(task.maxRuntime == nil)
        #expect(task.extended == nil)
        #expect(task.attempts == 0)
    }
}
