import Foundation
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// The rate limit as the daemon wires it (`Daemon.makeMaia`): one limiter in front of the stop calls and the token
/// requests alike ("never more in any 60 s window (token requests too)").
@Suite("Rate limit as wired")
struct RateLimitWiringTests {
    static let accepted = StopOutcome.answered(status: 204, retryNotBefore: nil, detail: nil)

    /// At 20 requests a minute the bucket holds 2 and refills one every 3 s. The first stop needs a token: the token
    /// request and the stop take both; the next stop waits 3 s. Were token requests not counted, it would go at once.
    @Test func tokenRequestsCountAgainstTheLimit() async throws {
        let policy = Harness.policy { $0.api.maxRequestsPerMinute = 20 }
        try await ClientReloadTests.with(policy: policy, clientCredentials: true) { w in
            let start = w.clock.now()
            #expect(await w.maia.caller.stop(TaskID.random(), freshToken: false) == Self.accepted)
            #expect(w.standIn.tokenRequests.count == 1)
            #expect(w.standIn.requests.count == 2)

            let second = Task { await w.maia.caller.stop(TaskID.random(), freshToken: false) }
            try await withBound(.seconds(10), "the second stop to wait for the rate limit") {
                await w.clock.waitForSleeper()
            }
            #expect(w.clock.earliestDeadline == start.addingTimeInterval(3))
            #expect(w.standIn.requests.count == 2)
            w.clock.advance(to: start.addingTimeInterval(3))
            #expect(await second.value == Self.accepted)
            #expect(w.standIn.tokenRequests.count == 1)
            #expect(w.standIn.requests.count == 3)
        }
    }
}
