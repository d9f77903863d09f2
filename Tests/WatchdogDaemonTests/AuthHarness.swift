import Foundation
import Logging
import MaiaClient
import MaiaStandIn
import ServiceLifecycle
import TestSupport
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// Like `Harness`, but the stop caller gets its tokens from the stand-in's OAuth endpoint through a
/// `ClientCredentialsTokenProvider`, and every call goes through one `RateLimitedTransport`, as the daemon wires it.
/// Builds a plain `Harness` value so that its helpers (`watch`, `idle`, `requests`) apply.
struct AuthHarness: Sendable {
    static let clientID = "harness-client"
    static let secret = "harness-s3cr3t-\(UInt64.random(in: 0...UInt64.max))"

    let h: Harness
    let provider: ClientCredentialsTokenProvider
    let health: TokenHealthTracker
    let limiter: RateLimiter

    static func with(
        policy: Policy = Harness.policy(),
        seed: UInt64 = 1,
        _ body: @Sendable (AuthHarness) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // No static token is accepted (its file is there, unused): every call needs one from the token endpoint.
        let maia = try await StandInWithToken.start(
            in: directory, acceptedTokens: [], tokenEndpoint: .init(clientID: clientID, clientSecret: secret))
        let standIn = maia.standIn
        let clock = ManualClock()
        let logs = LogRecorder()
        let logger = logs.logger()
        var policy = policy
        policy.api.baseURL = standIn.baseURL
        policy.auth.tokenURL = maia.tokenURL!
        let http = HTTPTransport(version: "test", logger: logger)
        let limiter = RateLimiter(ratePerMinute: policy.api.maxRequestsPerMinute, clock: clock)
        let transport = RateLimitedTransport(http, limiter: limiter, clock: clock)
        let health = TokenHealthTracker(.ok)
        let provider = ClientCredentialsTokenProvider(
            configuration: .init(
                tokenURL: policy.auth.tokenURL, audience: policy.auth.audience, clientID: clientID,
                clientSecret: secret, requestTimeout: .seconds(5),
                backoff: RetrySchedule(policy.retry)),
            transport: transport, clock: clock, random: SplitMix64(seed: seed), logger: logger,
            onHealthChange: { health.set($0 ? .ok : .failing) })
        let caller = MaiaAPICaller(
            client: MaiaAPIClient(
                baseURL: standIn.baseURL, requestTimeout: .seconds(5), transport: transport, tokens: provider),
            clock: clock, health: health)
        let store = InMemoryTaskStore([])
        let policyPath = "\(directory)/policy.toml"
        let loop = IdleMonitor(clock: clock)
        let enforcer = EnforcerService(
            configuration: .init(policyPath: policyPath, version: "test"), policy: policy, clock: clock,
            caller: caller, store: store, random: SplitMix64(seed: seed), logger: logger, observer: loop)
        try await enforcer.restore()
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: enforcer)], gracefulShutdownSignals: [], logger: logger))
        let harness = Harness(
            standIn: standIn, clock: clock, logs: logs, enforcer: enforcer, loop: loop, store: store,
            notifier: RecordingNotifier(), directory: directory, socketPath: "\(directory)/control.sock",
            policyPath: policyPath)
        let auth = AuthHarness(h: harness, provider: provider, health: health, limiter: limiter)
        try await runServices(group) {
            try await body(auth)
        } cleanUp: {
            try await http.shutdown()
            try await maia.shutdown()
        }
    }

    /// Every text a person or a log could see: each log entry's message and metadata.
    var logTexts: [String] {
        h.logs.all.map { "\($0.level) \($0.message) \($0.metadata)" }
    }
}
