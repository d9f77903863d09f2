import Foundation
import Logging
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

@Suite("Deadline warnings in the journal")
struct DeadlineWarningTests {
    @Test func theWarningIsLoggedAtWarningLevelWithTheDeadlineAndStored() async throws {
        try await Harness.with(policy: Harness.policy { $0.safety.warnBefore = .seconds(15) }) { h in
            let id = TaskID.random()
            let watched = try await h.watch(id, maxRuntime: .seconds(60))
            let deadline = try #require(watched.deadline)
            h.clock.advance(by: .seconds(44))
            try await h.idle()
            #expect(h.logs.events("deadline_warning", task: id.rawValue).isEmpty)
            h.clock.advance(by: .seconds(1))
            try await h.idle()
            let warnings = h.logs.events("deadline_warning", task: id.rawValue)
            #expect(warnings.count == 1)
            #expect(warnings.first?.level == .warning)
            #expect(warnings.first?.metadata["deadline"] == RFC3339.format(deadline))
            #expect(await h.record(id)?.warnedAt == h.clock.now())
            #expect(h.store.loadAll().first { $0.id == id }?.warnedAt == h.clock.now(), "warned_at is stored")
            #expect(h.standIn.requests.isEmpty)
        }
    }
}
