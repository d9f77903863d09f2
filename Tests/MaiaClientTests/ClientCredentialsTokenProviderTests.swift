import Foundation
import Logging
import MaiaClient
import MaiaStandIn
import Synchronization
import TestSupport
import Testing
import WatchdogCore

/// The client-credentials provider against the stand-in's token endpoint over loopback, on a manual clock.
@Suite("ClientCredentialsTokenProvider")
struct ClientCredentialsTokenProviderTests {
    static let clientID = "watchdog-client"
    static let secret = "cl13nt-s3cr3t-\(UInt32.random(in: 0...UInt32.max))"

    struct Setup {
        let standIn: MaiaStandIn
        let clock: ManualClock
        let provider: ClientCredentialsTokenProvider
        let logs: LogRecorder
        let health: Lines
    }

    static func with(
        seed: UInt64 = 7,
        backoff: RetrySchedule = RetrySchedule(initialBackoff: .seconds(1), maxBackoff: .seconds(60), multiplier: 2),
        _ body: (Setup) async throws -> Void
    ) async throws {
        let standIn = try await MaiaStandIn.start(
            tokenEndpoint: .init(clientID: clientID, clientSecret: secret, audience: "https://api.matillion.com"))
        let transport = HTTPTransport(version: "test")
        let clock = ManualClock()
        let logs = LogRecorder()
        let health = Lines()
        let logger = logs.logger()
        let provider = ClientCredentialsTokenProvider(
            configuration: .init(
                tokenURL: standIn.tokenURL!, audience: "https://api.matillion.com", clientID: clientID,
                clientSecret: secret, requestTimeout: .seconds(5), backoff: backoff),
            transport: transport, clock: clock, random: SplitMix64(seed: seed), logger: logger,
            onHealthChange: { health.append($0 ? "ok" : "failing") })
        let setup = Setup(standIn: standIn, clock: clock, provider: provider, logs: logs, health: health)
        let result: Result<Void, any Error>
        do {
            result = .success(try await body(setup))
        } catch {
            result = .failure(error)
        }
        try await transport.shutdown()
        try await standIn.shutdown()
        for line in logs.lines {
            #expect(!line.contains(secret), "secret leaked in: \(line)")
            for token in standIn.issuedTokens {
                #expect(!line.contains(token), "token leaked in: \(line)")
            }
        }
        try result.get()
    }

    /// Health changes as text.
    final class Lines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: String) { lines.withLock { $0.append(line) } }
    }

    @Test("the form carries the grant, client, secret and audience; the token is cached; the expiry is logged")
    func requestAndCache() async throws {
        try await Self.with { s in
            let token = try await s.provider.token()
            #expect(s.standIn.issuedTokens == [token])
            #expect(try await s.provider.token() == token)
            let requests = s.standIn.tokenRequests
            #expect(requests.count == 1)
            #expect(requests[0].method == "POST")
            #expect(requests[0].path == "/oauth/dpc/token")
            #expect(requests[0].header("Content-Type") == "application/x-www-form-urlencoded")
            #expect(
                requests[0].form == [
                    "grant_type": "client_credentials", "client_id": Self.clientID, "client_secret": Self.secret,
                    "audience": "https://api.matillion.com",
                ])
            #expect(requests[0].answer == .status(200))
            let refreshed = s.logs.lines.filter { $0.contains("token_refreshed") }
            #expect(refreshed.count == 1)
            let expiry = s.clock.now().addingTimeInterval(1800).formatted(.iso8601)
            #expect(refreshed.first?.contains(expiry) == true)
            #expect(s.health.all == ["ok"])
        }
    }

    @Test("refreshed at 80 % of the token's life on the test clock, not before")
    func proactiveRefresh() async throws {
        try await Self.with { s in
            s.standIn.scriptToken([.issue(expiresIn: 1000), .issue(expiresIn: 1000)])
            let first = try await s.provider.token()
            s.clock.advance(by: 799.999)
            #expect(try await s.provider.token() == first)
            #expect(s.standIn.tokenRequests.count == 1)
            s.clock.advance(by: 0.001)
            let second = try await s.provider.token()
            #expect(second != first)
            #expect(s.standIn.tokenRequests.count == 2)
            #expect(s.standIn.issuedTokens == [first, second])
        }
    }

    @Test("maintain() refreshes at 80 % by itself, with no caller")
    func maintainRefreshes() async throws {
        try await Self.with { s in
            let provider = s.provider
            let loop = Task { await provider.maintain() }
            _ = try await s.standIn.waitForRequests(count: 1, timeout: .seconds(10))
            try await withBound(.seconds(10), "the loop to sleep") { await s.clock.waitForSleeper() }
            #expect(s.clock.earliestDeadline == s.clock.now().addingTimeInterval(1440))
            s.clock.advance(by: 1440)
            _ = try await s.standIn.waitForRequests(count: 2, timeout: .seconds(10))
            loop.cancel()
            await loop.value
            #expect(s.standIn.tokenRequests.count == 2)
        }
    }

    @Test("a hundred concurrent callers cause exactly one token request")
    func singleFlight() async throws {
        try await Self.with { s in
            let provider = s.provider
            let tokens = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await provider.token() }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(tokens.count == 100)
            #expect(Set(tokens).count == 1)
            #expect(s.standIn.tokenRequests.count == 1)
            #expect(await provider.requestCount == 1)
        }
    }

    @Test("failures back off by the seeded schedule; no request is made before it ends")
    func backoff() async throws {
        let seed: UInt64 = 99
        try await Self.with(seed: seed) { s in
            s.standIn.scriptToken([.fail(.status(503)), .fail(.dropConnection), .fail(.status(500))])
            var rng = SplitMix64(seed: seed)
            let schedule = RetrySchedule(initialBackoff: .seconds(1), maxBackoff: .seconds(60), multiplier: 2)
            for failure in 1...3 {
                let started = s.clock.now()
                await #expect(throws: TokenError.self) { try await s.provider.token() }
                #expect(s.standIn.tokenRequests.count == failure)
                let delay = schedule.delay(afterAttempt: failure, using: &rng).timeInterval
                let until = started.addingTimeInterval(delay)
                do throws(TokenError) {
                    _ = try await s.provider.token()
                    Issue.record("a token during the backoff")
                } catch {
                    guard case .backingOff(_, _, let notBefore) = error else {
                        Issue.record("expected backingOff, got \(error)")
                        return
                    }
                    #expect(notBefore == until)
                }
                #expect(s.standIn.tokenRequests.count == failure)
                s.clock.advance(to: until)
            }
            let token = try await s.provider.token()
            #expect(s.standIn.issuedTokens == [token])
            #expect(s.standIn.tokenRequests.map(\.answer.finalStatus) == [503, nil, 500, 200])
            #expect(s.health.all == ["failing", "failing", "failing", "ok"])
            #expect(s.logs.lines.filter { $0.contains("token_failed") }.count == 3)
        }
    }

    @Test("a wrong secret is reported by its OAuth error code, without the secret")
    func invalidClient() async throws {
        let standIn = try await MaiaStandIn.start(
            tokenEndpoint: .init(clientID: Self.clientID, clientSecret: "another-secret"))
        let transport = HTTPTransport(version: "test")
        let provider = ClientCredentialsTokenProvider(
            configuration: .init(
                tokenURL: standIn.tokenURL!, audience: "https://api.matillion.com", clientID: Self.clientID,
                clientSecret: Self.secret),
            transport: transport, clock: ManualClock(), random: SplitMix64(seed: 1),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        do throws(TokenError) {
            _ = try await provider.token()
            Issue.record("a token with a wrong secret")
        } catch {
            #expect(error == .endpointFailed(url: standIn.tokenURL!, reason: "HTTP 401 (invalid_client)"))
            #expect(!error.description.contains(Self.secret))
        }
        try await transport.shutdown()
        try await standIn.shutdown()
    }

    @Test("a 401 invalidates the refused token: one refresh, then the stop succeeds with the new token")
    func refreshAfter401() async throws {
        try await Self.with { s in
            let transport = HTTPTransport(version: "test")
            let client = MaiaAPIClient(
                baseURL: s.standIn.baseURL, requestTimeout: .seconds(5), transport: transport, tokens: s.provider)
            let taskID = "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11"
            let first = try await s.provider.token()
            s.standIn.revokeIssuedTokens()
            let refused = await client.stop(taskID: taskID)
            #expect(refused.problem?.status == 401)
            let retried = await client.stop(taskID: taskID, freshToken: true)
            #expect(retried == .succeeded(status: 204, NoContent()))
            #expect(s.standIn.tokenRequests.count == 2)
            let stops = s.standIn.requests.filter { $0.taskID != nil }
            #expect(stops.map(\.bearerToken) == [first, s.standIn.issuedTokens[1]])
            try await transport.shutdown()
        }
    }
}
