import Foundation
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// Confirmed stops and the runtime origin over real HTTP against the stand-in, on the manual clock: the reads
/// after a 204, the re-stop, and the watch-time read (`../shared/interface.md`, "Confirmed stops", "Runtime
/// origin").
@Suite("Confirmed stops against a Maia stand-in")
struct ConfirmationTests {
    static func confirming(_ configure: (inout Policy) -> Void = { _ in }) -> Policy {
        Harness.policy {
            $0.confirm = .init(
                enabled: true, firstCheck: .seconds(10), maxInterval: .seconds(60), restopAfter: .seconds(300),
                giveUpAfter: .seconds(1800))
            configure(&$0)
        }
    }

    /// The stand-in's requests for `id` of one method (`GET` reads, `POST` stops).
    static func requests(_ h: Harness, _ method: String, _ id: TaskID) -> [RecordedRequest] {
        h.standIn.requests.filter { $0.method == method && $0.path.hasSuffix(method == "GET" ? id.rawValue : "/stop") }
    }

    @Test func aStopIsConfirmedByTheReadsThatFollowThe204() async throws {
        try await Harness.with(policy: Self.confirming()) { h in
            let id = TaskID.random()
            h.standIn.setTask(StandInTask(taskID: id.rawValue, status: "RUNNING", createdAt: h.clock.now()))
            _ = try await h.watch(id, maxRuntime: .seconds(60))
            h.clock.advance(by: .seconds(60))
            try await h.requests(1)
            try await h.idle()
            let accepted = try #require(await h.record(id))
            #expect(accepted.state == .stopRequested)
            #expect(accepted.nextReadAt == h.clock.now().addingTimeInterval(10))

            h.standIn.setTask(StandInTask(taskID: id.rawValue, status: "STOPPING", createdAt: h.clock.now()))
            h.clock.advance(by: .seconds(9.999))
            try await h.idle()
            #expect(h.standIn.requests.count == 1, "no read before first_check")
            h.clock.advance(by: .seconds(0.001))
            try await h.requests(2)
            try await h.idle()
            #expect(await h.record(id)?.maiaStatus == "STOPPING")
            #expect(await h.record(id)?.nextReadAt == h.clock.now().addingTimeInterval(20))

            h.standIn.setTask(StandInTask(taskID: id.rawValue, status: "STOPPED", createdAt: h.clock.now()))
            h.clock.advance(by: .seconds(20))
            let requests = try await h.requests(3)
            try await h.idle()
            let confirmed = try #require(await h.record(id))
            #expect(confirmed.state == .stopped)
            #expect(confirmed.confirmedAt == h.clock.now())
            #expect(confirmed.maiaStatus == "STOPPED")
            #expect(requests.map(\.method) == ["POST", "GET", "GET"])
            #expect(requests[1].path == "/dpc/v1/ai/agents/tasks/\(id.rawValue)")
            #expect(requests[1].bearerToken == Harness.token)
            let reads = h.logs.events("status_read", task: id.rawValue)
            #expect(reads.map { $0.metadata["task.status"] } == ["STOPPING", "STOPPED"])
            #expect(h.logs.events("stop_confirmed", task: id.rawValue).count == 1)
            h.clock.advance(by: .seconds(3600))
            try await h.idle()
            #expect(h.standIn.requests.count == 3, "nothing after the confirmation")
        }
    }

    @Test func aTaskStillRunningRestopAfterThe204IsStoppedAgain() async throws {
        try await Harness.with(policy: Self.confirming()) { h in
            let id = TaskID.random()
            h.standIn.setTask(StandInTask(taskID: id.rawValue, status: "RUNNING", createdAt: h.clock.now()))
            // The agent ignores the accepted stop: every read says RUNNING.
            h.standIn.scriptStatuses(id.rawValue, Array(repeating: "RUNNING", count: 7))
            _ = try await h.watch(id, maxRuntime: .seconds(60))
            h.clock.advance(by: .seconds(60))
            try await h.requests(1)
            try await h.idle()
            // Reads at +10, +30, +70, +130, +190, +250 find it RUNNING; at +310 (≥ restop_after) the stop goes again.
            var count = 1
            for offset in [10.0, 20, 40, 60, 60, 60] {
                h.clock.advance(by: offset)
                count += 1
                try await h.requests(count)
                try await h.idle()
                #expect(await h.record(id)?.state == .stopRequested)
            }
            h.clock.advance(by: .seconds(60))
            let requests = try await h.requests(count + 2)
            try await h.idle()
            #expect(requests.suffix(2).map(\.method) == ["GET", "POST"])
            let again = try #require(await h.record(id))
            #expect(again.state == .stopRequested)
            #expect(again.attempts == 2)
            #expect(again.lastAcceptedAt == h.clock.now())
            #expect(h.logs.events("restop", task: id.rawValue).count == 1)
        }
    }

    @Test func theWatchTimeReadMovesTheOriginToCreatedAtAndAPassedDeadlineStopsAtOnce() async throws {
        try await Harness.with(policy: Self.confirming { $0.runtimeOrigin = .createdAt }) { h in
            let id = TaskID.random()
            let created = h.clock.now().addingTimeInterval(-3600)
            h.standIn.setTask(StandInTask(taskID: id.rawValue, status: "RUNNING", createdAt: created))
            let watched = try await h.watch(id, maxRuntime: .seconds(600))
            #expect(watched.startedAt == h.clock.now(), "answered at once, with the receipt as origin")
            let requests = try await h.requests(2)
            try await h.idle()
            #expect(requests.map(\.method) == ["GET", "POST"])
            let record = try #require(await h.record(id))
            #expect(record.startedAt == created)
            #expect(record.deadline == created.addingTimeInterval(600))
            #expect(record.state == .stopRequested)
        }
    }

    @Test func aTaskMaiaDoesNotKnowEndsNotFoundWithoutAStopCall() async throws {
        try await Harness.with(policy: Self.confirming { $0.runtimeOrigin = .createdAt }) { h in
            let id = TaskID.random()
            h.standIn.script(id.rawValue, [.status(404, detail: "Task not found.")])
            h.standIn.setDefault(.status(404, detail: "Task not found."))
            _ = try await h.watch(id, maxRuntime: .seconds(60))
            try await h.requests(1)
            try await h.idle()
            let record = try #require(await h.record(id))
            #expect(record.state == .notFound)
            h.clock.advance(by: .seconds(120))
            try await h.idle()
            #expect(h.standIn.requests.map(\.method) == ["GET"], "no stop call")
        }
    }

    @Test func aConfirmationInterruptedByARestartResumesReadingAtOnce() async throws {
        let id = TaskID.random()
        let now = ManualClock().now()
        // As the store holds it when the daemon died with the first read in flight: 204 at -30 s, read due at -20 s.
        var record = TaskRecord(
            id: id, state: .stopRequested, watchedAt: now.addingTimeInterval(-600),
            startedAt: now.addingTimeInterval(-600), deadline: now.addingTimeInterval(-30), maxRuntime: .seconds(570),
            attempts: 1, lastHTTPStatus: 204, updatedAt: now.addingTimeInterval(-30), requestedBy: Harness.requester,
            firstAttemptAt: now.addingTimeInterval(-30))
        record.readPurpose = .confirm
        record.lastAcceptedAt = now.addingTimeInterval(-30)
        record.unconfirmedAt = now.addingTimeInterval(1770)
        record.nextReadAt = nil
        try await Harness.with(
            policy: Self.confirming(), stored: [record],
            prepare: { $0.setTask(StandInTask(taskID: id.rawValue, status: "STOPPED", createdAt: now)) }
        ) { h in
            #expect(h.clock.now() == now)
            let requests = try await h.requests(1)
            try await h.idle()
            #expect(requests.map(\.method) == ["GET"])
            let confirmed = try #require(await h.record(id))
            #expect(confirmed.state == .stopped)
            #expect(confirmed.confirmedAt == now)
        }
    }
}
