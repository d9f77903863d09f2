import Foundation
import Testing
import WatchdogProtocol

/// The wire contract is declared once: states, verbs and keys have one list each, requests render
/// to lines that parse back, and a reply decodes to what was encoded.
@Suite("Wire contract")
struct WireContractTests {
    static let id = TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!

    @Test func trackedStatesAreEveryCaseButForgottenInOrder() {
        #expect(TaskState.tracked == TaskState.allCases.filter { $0 != .forgotten })
        #expect(TaskState.tracked.first == .watching)
        #expect(!TaskState.tracked.contains(.forgotten))
    }

    /// `list state=` accepts exactly the tracked states, and its refusal names all of them.
    @Test(arguments: TaskState.allCases)
    func listFilterAcceptsExactlyTheTrackedStates(_ state: TaskState) throws {
        let line = RequestLine.list(state: state)
        #expect(line.text == "list state=\(state.rawValue)")
        let parsed = ControlProtocol.parse(line.text)
        if TaskState.tracked.contains(state) {
            #expect(try parsed.get() == .list(state))
        } else {
            guard case .failure(let error) = parsed else {
                Issue.record("accepted \(line.text)")
                return
            }
            #expect(error.code == .badRequest)
            #expect(error.message.hasSuffix("one of " + TaskState.tracked.map(\.rawValue).joined(separator: ", ")))
        }
    }

    @Test func everyVerbIsRecognisedAndNamedInTheRefusal() throws {
        for verb in ControlVerb.allCases {
            #expect(ControlVerb(Substring(verb.rawValue)) == verb)
        }
        #expect(ControlVerb("watches") == nil)
        guard case .failure(let error) = ControlProtocol.parse("frobnicate \(Self.id)") else {
            Issue.record("accepted an unknown verb")
            return
        }
        #expect(
            error.message.hasSuffix("expected watch, stop, forget, status, list, extend, release, metrics or a task ID")
        )
    }

    @Test(arguments: [
        ControlRequest.watch(id, maxRuntime: nil, startedAt: nil),
        .watch(id, maxRuntime: .seconds(5400), startedAt: Date(timeIntervalSince1970: 1_795_942_800.25)),
        .watch(id, maxRuntime: .milliseconds(1500), startedAt: nil),
        .stop(id), .forget(id), .status(nil), .status(id), .list(nil), .list(.gaveUp), .extend(id, by: .seconds(90)),
        .release, .metrics,
    ])
    func renderedRequestsParseBack(_ request: ControlRequest) throws {
        #expect(try ControlProtocol.parse(request.requestLine.text).get() == request)
    }

    @Test func requestLinesAsTheClientSendsThem() {
        #expect(
            RequestLine.watch(taskID: "NOT-A-UUID", maxRuntime: "1h30min", startedAt: "2026-11-29T10:00:00+01:00").text
                == "watch NOT-A-UUID max-runtime=1h30min started-at=2026-11-29T10:00:00+01:00")
        #expect(RequestLine.status(taskID: nil).text == "status")
        #expect(RequestLine.status(taskID: nil).answer == .daemon)
        #expect(RequestLine.status(taskID: "x").answer == .task)
        #expect(RequestLine.list(state: nil).answer == .tasks)
        #expect(RequestLine.forget(taskID: "x").answer == .task)
    }

    /// What the daemon encodes is what the client decodes: one type, both ways.
    @Test func repliesDecodeToWhatWasEncoded() throws {
        let task = TaskReport(
            id: Self.id, state: .stopping, watchedAt: "2026-11-29T09:00:00.000Z", deadline: nil, maxRuntime: nil,
            attempts: 3, lastHTTPStatus: 503, lastError: "service \"unavailable\"\n",
            updatedAt: "2026-11-29T09:01:00.000Z", requestedBy: .init(uid: 0, pid: 1))
        var watching = task
        watching.state = .watching
        watching.deadline = "2026-11-29T09:45:00.250Z"
        watching.maxRuntime = .seconds(2700)
        watching.source = "socket"
        watching.startedAt = "2026-11-29T08:30:00.000Z"
        watching.maiaStatus = "RUNNING"
        watching.warnedAt = "2026-11-29T09:40:00.250Z"
        watching.extended = .seconds(600)
        var stopped = task
        stopped.state = .stopped
        stopped.requestedBy = nil
        stopped.source = "discovery"
        stopped.maiaStatus = "ERRORED"
        stopped.confirmedAt = "2026-11-29T09:02:00.000Z"
        stopped.extended = .zero
        let daemon = DaemonReport(
            version: "0.1.0", uptimeSeconds: 5400,
            policy: .init(path: "/etc/maia-watchdog/policy.toml", loadedAt: "2026-11-29T07:30:00.000Z"),
            counts: Dictionary(uniqueKeysWithValues: TaskState.tracked.enumerated().map { ($1, $0) }), dryRun: false,
            api: .init(baseURL: "https://eu1.api.matillion.com/dpc", token: .failing), store: .init(recreated: 1))
        for reply in [
            ControlReply.task(task), .tasks([task, watching, stopped]), .tasks([]), .daemon(daemon),
            .failure(ControlError(.notAllowed, "nope \u{1}")),
        ] {
            let decoded = try JSONDecoder().decode(ControlReply.self, from: Data(reply.jsonLine.utf8))
            #expect(decoded == reply, "\(reply.jsonLine)")
        }
    }

    /// Decoding is lenient: unknown keys are ignored, a value of the wrong type reads as absent.
    @Test func decodingIgnoresWhatItDoesNotKnow() throws {
        let line = #"{"ok":true,"future":[1],"task":{"id":"x","state":"watching","attempts":"2","new_key":1}}"#
        let reply = try JSONDecoder().decode(ControlReply.self, from: Data(line.utf8))
        #expect(reply.ok)
        #expect(reply.task?.id == nil)
        #expect(reply.task?.state == .watching)
        #expect(reply.task?.attempts == nil)
    }
}
