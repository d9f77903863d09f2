import Foundation
import Logging
import MaiaStandIn
import ServiceLifecycle
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// A reload reaches the Maia client as the daemon wires it (`Daemon.makeMaia`, `Daemon.reloadOutsideEnforcer`): the
/// connection pool follows `[api] max_in_flight`, and so do the descriptors the control socket leaves free for it;
/// the token provider's backoff follows `[retry]`.
@Suite("Reload reaches the Maia client")
struct ClientReloadTests {
    static let clientID = "reload-client"
    static let secret = "reload-s3cr3t-\(UInt64.random(in: 0...UInt64.max))"
    /// The open-file limit the control connections' limits are computed for: small enough that Maia's pool decides
    /// them. With nothing else open, the cap is the least of half of it (150) and what the headroom (64) and the pool
    /// leave.
    static let descriptorLimit = 300

    struct Wired: Sendable {
        let standIn: MaiaStandIn
        let clock: ManualClock
        let enforcer: EnforcerService
        let loop: IdleMonitor
        let maia: Daemon.MaiaWiring
        let control: ControlSocketService
        let reloader: PolicyReloadService
        let policyPath: String

        /// The task's state as `status ID` answers it (`nil`: not tracked).
        func state(of id: TaskID) async -> TaskState? {
            guard case .task(let record) = await enforcer.handle(.status(id), from: Harness.requester) else {
                return nil
            }
            return record.state
        }

        func reload(_ text: String) async throws {
            try text.write(toFile: policyPath, atomically: true, encoding: .utf8)
            await reloader.reload()
        }
    }

    /// The daemon's own Maia wiring against the stand-in, with the enforcer and the reload, on a manual clock.
    /// The services run are the enforcer and the wiring's own (with client credentials, the token refresh); the token
    /// endpoint answers `tokenAnswer` from the start when given.
    static func with(
        policy: Policy, clientCredentials: Bool = false, tokenAnswer: TokenAnswer? = nil, seed: UInt64 = 1,
        _ body: @Sendable (Wired) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fixture = try await StandInWithToken.start(
            in: directory, token: StandInWithToken.randomToken("reload-token"),
            tokenEndpoint: clientCredentials ? .init(clientID: clientID, clientSecret: secret) : nil)
        let standIn = fixture.standIn
        if let tokenAnswer { standIn.setDefaultTokenAnswer(tokenAnswer) }
        let clock = ManualClock()
        let logger = LogRecorder().logger()
        var policy = policy
        policy.api.baseURL = standIn.baseURL
        policy.api.requestTimeout = .seconds(10)
        policy.runtimeOrigin = .watch
        policy.confirm.enabled = false
        if let tokenURL = standIn.tokenURL { policy.auth.tokenURL = tokenURL }
        let maia = Daemon.makeMaia(
            credentials: clientCredentials
                ? .clientCredentials(id: clientID, secret: secret) : .staticToken(file: fixture.tokenFile),
            policy: policy, clock: clock, random: SplitMix64(seed: seed), logger: logger)
        let policyPath = "\(directory)/policy.toml"
        let loop = IdleMonitor(clock: clock)
        let enforcer = EnforcerService(
            configuration: .init(policyPath: policyPath, version: "test"), policy: policy, clock: clock,
            caller: maia.caller, store: InMemoryTaskStore([]), random: SplitMix64(seed: seed), logger: logger,
            observer: loop)
        try await enforcer.restore()
        let control = ControlSocketService(
            listener: try await ControlSocketListener.bind(path: "\(directory)/control.sock"), enforcer: enforcer,
            limits: .standard(descriptorLimit: Self.descriptorLimit, inUse: 0, pooledFor: policy), logger: logger)
        let reloader = PolicyReloadService(
            path: policyPath, forceDryRun: false, enforcer: enforcer, notifier: RecordingNotifier(), logger: logger,
            reloadClient: Daemon.reloadOutsideEnforcer(
                maia: maia, control: control, descriptorLimit: Self.descriptorLimit, inUse: 0))
        let services: [any Service] = [enforcer, control] + maia.services
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [], logger: logger))
        let wired = Wired(
            standIn: standIn, clock: clock, enforcer: enforcer, loop: loop, maia: maia, control: control,
            reloader: reloader, policyPath: policyPath)
        try await runServices(group) {
            try await body(wired)
        } cleanUp: {
            await maia.shutdown()
            try await fixture.shutdown()
        }
    }

    /// Bug: the pool was sized once at start (`max_in_flight + 1` connections), so after a reload from 1 to 4 only
    /// two stops could be on the wire at once and the others waited for a connection.
    @Test func raisingMaxInFlightByReloadGrowsTheConnectionPool() async throws {
        let answerDelay: Duration = .seconds(4)
        try await Self.with(policy: Harness.policy { $0.api.maxInFlight = 1 }) { w in
            try await w.reload("allow = [\"*\"]\n[api]\nmax_in_flight = 4\n")
            #expect(await w.enforcer.policy.api.maxInFlight == 4)
            w.standIn.setDefault(.delayed(answerDelay, .status(204)))
            let ids = (0..<4).map { _ in TaskID.random() }
            for id in ids {
                _ = await w.enforcer.handle(
                    .watch(id, maxRuntime: .seconds(1), startedAt: nil), from: Harness.requester)
            }
            w.clock.advance(by: .seconds(1))
            let requests = try await w.standIn.waitForRequests(count: 4, timeout: .seconds(15))
            // All four are on the wire before the first answer comes back: the last arrives well within the answer
            // delay of the first (with two connections it could only arrive after the first answer, 4 s later).
            let instants = requests.map(\.monotonic).sorted()
            let spread = instants[3] - instants[0]
            #expect(spread < .seconds(3), "the fourth stop reached Maia \(spread) after the first")
            try await withBound(.seconds(15), "enforcer to become idle") { await w.loop.wait() }
            for id in ids { #expect(await w.state(of: id) == .stopRequested) }
        }
    }

    /// Bug: the descriptors left free for Maia's pool were counted once, from the start's `max_in_flight`, so after a
    /// reload that grew the pool the control socket still admitted connections into the descriptors the pool now
    /// needs. The limits follow each reload, both ways.
    @Test func raisingMaxInFlightByReloadGrowsTheDescriptorReserve() async throws {
        try await Self.with(policy: Harness.policy { $0.api.maxInFlight = 16 }) { w in
            // 33 pooled: 300 - 64 - 33 leaves 203, so half the limit decides.
            #expect(w.control.limits == .standard(descriptorLimit: Self.descriptorLimit, reserve: 33))
            #expect(w.control.limits.maximum == 150)

            try await w.reload("allow = [\"*\"]\n[api]\nmax_in_flight = 100\n")
            #expect(await w.enforcer.policy.api.maxInFlight == 100)
            // 201 pooled: 300 - 64 - 201 leaves 35.
            #expect(w.control.limits == .standard(descriptorLimit: Self.descriptorLimit, reserve: 201))
            #expect(w.control.limits.maximum == 35)

            try await w.reload("allow = [\"*\"]\n[api]\nmax_in_flight = 1\n")
            #expect(w.control.limits.maximum == 150)
        }
    }

    /// Bug: the client-credentials provider kept the `[retry]` of the start. After a reload, the next failure's
    /// backoff is drawn from the new curve: exactly, on the manual clock and the seeded generator, seen from outside as
    /// the daemon's token refresh sees it: each failed request at the stand-in's token endpoint, then the refresh
    /// asleep on the clock until the next try, and the next request once the clock reaches it.
    @Test func tokenBackoffFollowsReloadedRetrySection() async throws {
        let seed: UInt64 = 5
        let before = RetrySchedule(initialBackoff: .seconds(1), maxBackoff: .seconds(1), multiplier: 2)
        let after = RetrySchedule(initialBackoff: .seconds(7), maxBackoff: .seconds(300), multiplier: 3)
        let policy = Harness.policy {
            $0.retry.initialBackoff = before.initialBackoff
            $0.retry.maxBackoff = before.maxBackoff
            $0.retry.multiplier = before.multiplier
        }
        try await Self.with(policy: policy, clientCredentials: true, tokenAnswer: .fail(.status(503)), seed: seed) {
            w in
            var rng = SplitMix64(seed: seed)

            // Failure 1, at the start, under the start's [retry].
            let first = w.clock.now()
            _ = try await w.standIn.waitForRequests(count: 1, kind: .token, timeout: .seconds(15))
            let firstUntil = first.addingTimeInterval(before.delay(afterAttempt: 1, using: &rng).timeInterval)
            #expect(try await Self.nextTry(w.clock) == firstUntil)

            try await w.reload(
                """
                allow = ["*"]
                [retry]
                initial_backoff = "7s"
                max_backoff = "5min"
                multiplier = 3.0

                """)
            #expect(await w.enforcer.policy.retry.initialBackoff == .seconds(7))

            // Failure 2, once the backoff is over, under the reloaded [retry]: cap min(300 s, 7 s × 3) = 21 s instead
            // of the old 1 s.
            w.clock.advance(to: firstUntil)
            let second = w.clock.now()
            _ = try await w.standIn.waitForRequests(count: 2, kind: .token, timeout: .seconds(15))
            let secondUntil = second.addingTimeInterval(after.delay(afterAttempt: 2, using: &rng).timeInterval)
            let actual = try await Self.nextTry(w.clock)
            #expect(
                actual == secondUntil,
                "backoff \(actual.timeIntervalSince(second)) s, expected \(secondUntil.timeIntervalSince(second)) s")

            // The third request goes out when the clock gets there, and only then.
            #expect(w.standIn.tokenRequests.count == 2)
            w.clock.advance(to: actual)
            _ = try await w.standIn.waitForRequests(count: 3, kind: .token, timeout: .seconds(15))
        }
    }

    /// The instant the token refresh sleeps until after a failure: its next try. The enforcer, with no task, does not
    /// sleep on the clock, so the refresh is the one sleeper; it sleeps once the failure has been handled.
    static func nextTry(_ clock: ManualClock) async throws -> Date {
        try await withBound(.seconds(15), "the token refresh to wait for its next try") { await clock.waitForSleeper() }
        #expect(clock.sleeperCount == 1)
        return try #require(clock.earliestDeadline)
    }
}
