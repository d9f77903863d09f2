import Foundation
import Logging
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// The breaker over real HTTP against the stand-in: 4 due tasks with `max_stops = 2` make exactly 2 stop calls and
/// 2 held tasks; `release` sends the other 2; a restart while open stays open.
@Suite("Breaker against a Maia stand-in")
struct BreakerIntegrationTests {
    static let root = Requester(uid: 0, pid: 1)

    static func policy() -> Policy {
        Harness.policy { $0.safety = .init(maxStops: 2, window: .seconds(600)) }
    }

    @Test func fourDueTasksMakeTwoStopCallsAndReleaseSendsTheOtherTwo() async throws {
        try await Harness.with(policy: Self.policy()) { h in
            let ids = (0..<4).map { _ in TaskID.random() }
            for id in ids { _ = try await h.watch(id, maxRuntime: .seconds(60)) }
            h.clock.advance(by: .seconds(60))
            try await h.requests(2)
            try await h.idle()
            #expect(h.standIn.requests.count == 2)
            let records = await ids.asyncMap { await h.record($0)! }
            #expect(records.filter { $0.state == .stopRequested }.count == 2)
            let held = records.filter { $0.state == .held }
            #expect(held.count == 2)
            #expect(h.enforcer.statusBoard.text.hasPrefix("breaker open, held 2"))
            let opened = h.logs.events("breaker_open")
            #expect(opened.count == 1)
            #expect(opened.first?.level == .critical)
            guard case .daemon(let status) = await h.enforcer.handle(.status(nil), from: Self.root) else {
                Issue.record("no daemon status")
                return
            }
            let breaker = DaemonReport(status).breaker
            #expect(breaker == .init(state: "open", openedAt: RFC3339.format(h.clock.now()), held: 2))

            #expect(await h.enforcer.handle(.release, from: Self.root) == .released(2))
            let requests = try await h.requests(4)
            try await h.idle()
            #expect(Set(requests.suffix(2).compactMap(\.taskID)) == Set(held.map(\.id.rawValue)))
            #expect(!h.enforcer.statusBoard.text.hasPrefix("breaker open"))
            #expect(h.logs.events("breaker_released").count == 1)
        }
    }

    @Test func aRestartWhileOpenStaysOpenAndHoldsTheNextDeadline() async throws {
        let now = ManualClock().now()
        let held = TaskRecord(
            id: .random(), state: .held, watchedAt: now.addingTimeInterval(-120),
            startedAt: now.addingTimeInterval(-120),
            deadline: now.addingTimeInterval(-60), maxRuntime: .seconds(60), updatedAt: now.addingTimeInterval(-60),
            requestedBy: Harness.requester)
        try await Harness.with(policy: Self.policy(), stored: [held]) { h in
            #expect(h.enforcer.statusBoard.text.hasPrefix("breaker open, held 1"))
            let next = TaskID.random()
            _ = try await h.watch(next, maxRuntime: .seconds(10))
            h.clock.advance(by: .seconds(10))
            try await h.idle()
            #expect(await h.record(next)?.state == .held)
            #expect(h.standIn.requests.isEmpty)
        }
    }
}
