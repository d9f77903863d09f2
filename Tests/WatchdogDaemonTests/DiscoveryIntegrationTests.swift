import Foundation
import Logging
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// Discovery over real HTTP against the stand-in's task registry, on the manual clock (`../shared/interface.md`,
/// "Discovery"): pages, the allowlist, the projects filter, resumed tasks, a failing pass, a restart.
@Suite("Discovery against a Maia stand-in")
struct DiscoveryIntegrationTests {
    static let root = Requester(uid: 0, pid: 1)

    static func discovering(_ configure: (inout Policy) -> Void = { _ in }) -> Policy {
        Harness.policy {
            $0.discover = .init(enabled: true, interval: .seconds(60))
            configure(&$0)
        }
    }

    static func status(_ h: Harness) async -> DaemonStatus? {
        guard case .daemon(let status) = await h.enforcer.handle(.status(nil), from: Self.root) else { return nil }
        return status
    }

    @Test func aPassOverTwoPagesWatchesEveryRunningTaskFromItsCreatedAtAndTheNextPassReadsNothing() async throws {
        let created = ManualClock().now().addingTimeInterval(-600)
        try await Harness.with(policy: Self.discovering()) { standIn in
            standIn.addTasks(count: 150, createdAt: created)
            standIn.addTasks(count: 3, status: "STOPPED", createdAt: created)
        } _: { h in
            // Two pages, then one origin read per listed running task.
            try await h.requests(2 + 150)
            try await h.idle()
            let lists = h.standIn.listRequests
            #expect(lists.map { $0.query("page") } == ["0", "1"])
            #expect(lists.allSatisfy { $0.query("size") == "100" && $0.query("status") == "RUNNING" })
            #expect(lists.allSatisfy { $0.query("projectId") == nil })
            #expect(h.standIn.requests(.read).count == 150)
            let ids = h.standIn.tasks.filter { $0.status == "RUNNING" }.map(\.taskID)
            #expect(ids.count == 150)
            let records = await ids.asyncMap { await h.record(TaskID($0)!) }
            #expect(records.allSatisfy { $0?.source == .discovery && $0?.state == .watching })
            let first = try #require(records.first ?? nil)
            #expect(abs(first.startedAt.timeIntervalSince(h.clock.now().addingTimeInterval(-600))) < 1)
            #expect(first.requestedBy == Requester(uid: 0, pid: 0))
            #expect(h.logs.events("discovered").count == 150)
            let status = try #require(await Self.status(h))
            #expect(status.discoveryEnabled)
            #expect(status.discoveryLastPassAt == h.clock.now())
            #expect(status.discoveryLastError == nil)
            #expect(
                DaemonReport(status).discovery
                    == .init(
                        enabled: true, lastPassAt: RFC3339.format(h.clock.now()), lastError: nil))

            // The next pass, exactly one interval later, lists again and reads nothing: every task is tracked.
            h.clock.advance(by: .seconds(59.999))
            try await h.idle()
            #expect(h.standIn.listRequests.count == 2)
            h.clock.advance(by: .seconds(0.001))
            try await h.requests(2 + 150 + 2)
            try await h.idle()
            #expect(h.standIn.requests.count == 2 + 150 + 2)
            #expect(h.logs.events("discovered").count == 150)
        }
    }

    @Test func theAllowlistKeepsDiscoveryAwayAndAnOverdueTaskIsStoppedAtOnce() async throws {
        let admitted = TaskID.random()
        let other = TaskID.random()
        try await Harness.with(policy: Self.discovering { $0.allow = .only([admitted]) }) { standIn in
            for id in [admitted, other] {
                standIn.setTask(
                    StandInTask(taskID: id.rawValue, status: "RUNNING", createdAt: Date(timeIntervalSince1970: 0)))
            }
        } _: { h in
            // The page, the admitted task's read (created in 1970: long overdue), its stop.
            try await h.requests(3)
            try await h.idle()
            #expect(h.standIn.requests.map(\.kind) == [.list, .read, .stop])
            #expect(h.standIn.stops(for: admitted.rawValue).count == 1)
            #expect(h.standIn.reads(for: other.rawValue).isEmpty, "not read")
            #expect(h.standIn.stops(for: other.rawValue).isEmpty, "not stopped")
            #expect(await h.record(other) == nil, "not watched")
            #expect(await h.record(admitted)?.state == .stopRequested)
        }
    }

    @Test func theProjectsFilterSendsProjectId() async throws {
        try await Harness.with(policy: Self.discovering { $0.discover.projects = ["p-1", "p-2"] }) { standIn in
            standIn.addTasks(count: 1, projectID: "p-1", createdAt: Date())
            standIn.addTasks(count: 1, projectID: "p-3", createdAt: Date())
        } _: { h in
            try await h.requests(3)
            try await h.idle()
            #expect(h.standIn.listRequests.map { $0.query("projectId") } == ["p-1", "p-2"])
            #expect(h.standIn.requests(.read).count == 1, "only p-1's task is listed")
        }
    }

    @Test func aStoppedTaskResumedInMaiaIsWatchedAgainAsANewRun() async throws {
        let id = TaskID.random()
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        var stopped = TaskRecord(
            id: id, state: .stopped, watchedAt: t0, startedAt: t0, deadline: t0.addingTimeInterval(60),
            maxRuntime: .seconds(60), attempts: 1, lastHTTPStatus: 204, updatedAt: t0.addingTimeInterval(70),
            requestedBy: Harness.requester)
        stopped.confirmedAt = t0.addingTimeInterval(70)
        try await Harness.with(policy: Self.discovering(), stored: [stopped]) { standIn in
            standIn.setTask(StandInTask(taskID: id.rawValue, status: "RUNNING", createdAt: t0))
        } _: { h in
            try await h.requests(1)
            try await h.idle()
            let record = try #require(await h.record(id))
            #expect(record.state == .watching)
            #expect(record.source == .discovery)
            #expect(record.startedAt == h.clock.now(), "a new run counts from when it was seen running again")
            #expect(record.attempts == 0)
            #expect(h.logs.events("resumed", task: id.rawValue).count == 1)
            #expect(h.standIn.requests(.read).isEmpty, "Maia keeps the first run's createdAt: nothing to read")
        }
    }

    @Test func aFailingPassLeavesLastErrorAndTrackedTasksAreStillStopped() async throws {
        let tracked = TaskID.random()
        let policy = Self.discovering { $0.discover.interval = .seconds(10) }
        try await Harness.with(policy: policy) { standIn in
            // Retry-After beyond the interval: the pass fails at its first answer.
            standIn.scriptList([.status(502, retryAfter: "30", detail: "bad gateway")])
        } _: { h in
            try await h.requests(1)
            try await h.idle()
            let status = try #require(await Self.status(h))
            #expect(status.discoveryLastError == "listing running tasks failed (page 0): HTTP 502: bad gateway")
            #expect(status.discoveryLastPassAt == nil)
            #expect(h.enforcer.statusBoard.text.contains("discovery failing"))
            #expect(h.logs.events("discovery_failed").count == 1)
            #expect(h.logs.events("discovery_failed").first?.level == .error)

            _ = try await h.watch(tracked, maxRuntime: .seconds(5))
            h.clock.advance(by: .seconds(5))
            try await h.requests(2)
            try await h.idle()
            #expect(await h.record(tracked)?.state == .stopRequested, "enforcement goes on")

            // The next pass, at the next interval, succeeds and clears the error.
            h.clock.advance(by: .seconds(5))
            try await h.requests(3)
            try await h.idle()
            #expect(await Self.status(h)?.discoveryLastError == nil)
            #expect(!h.enforcer.statusBoard.text.contains("discovery failing"))
        }
    }

    @Test func aRestartDoesNotDuplicateTrackedTasks() async throws {
        let id = TaskID.random()
        let now = ManualClock().now()
        let watched = TaskRecord(
            id: id, state: .watching, watchedAt: now, startedAt: now, deadline: now.addingTimeInterval(2700),
            maxRuntime: .seconds(2700), updatedAt: now, requestedBy: Harness.requester)
        try await Harness.with(policy: Self.discovering(), stored: [watched]) { standIn in
            standIn.setTask(StandInTask(taskID: id.rawValue, status: "RUNNING", createdAt: now))
        } _: { h in
            try await h.requests(1)
            try await h.idle()
            #expect(h.standIn.requests.map(\.kind) == [.list])
            #expect(await h.record(id) == watched)
            #expect(h.logs.events("discovered").isEmpty)
            #expect(h.store.count == 1)
        }
    }

    @Test func aReloadTurnsDiscoveryOffAndOn() async throws {
        try await Harness.with(policy: Harness.policy()) { h in
            try await h.idle()
            #expect(h.standIn.requests.isEmpty, "off by default")
            await h.enforcer.apply(Self.discovering())
            try await h.requests(1)
            try await h.idle()
            await h.enforcer.apply(Harness.policy())
            h.clock.advance(by: .seconds(120))
            try await h.idle()
            #expect(h.standIn.listRequests.count == 1)
            #expect(await Self.status(h)?.discoveryEnabled == false)
        }
    }
}
