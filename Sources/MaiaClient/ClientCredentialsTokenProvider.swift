import FoundationEssentials
import Glibc
import Logging
import WatchdogCore

/// API tokens from an OAuth 2.0 client-credentials grant (credentials `maia-client-id` + `maia-client-secret`).
///
/// - **Request**: a form POST of `grant_type=client_credentials`, `client_id`, `client_secret` and `audience` to the
///   token URL, through the shared ``MaiaTransport`` (in production the rate-limited transport over the stop calls'
///   `HTTPClient`). The answer is `{access_token, expires_in, token_type}`; `token_type` must be `Bearer` when given,
///   and a missing `expires_in` counts as 30 minutes (Maia's documented token life).
/// - **Cache and proactive refresh**: a token is used until ``refreshFraction`` (80 %) of its life has passed on the
///   injected clock, counted from when the request was sent; then the next ``token()`` fetches a new one. If that
///   fails while the old token is still valid, the old token is used. ``maintain()`` (run by the daemon) refreshes at
///   that instant even when no stop is due, and keeps trying after failures.
/// - **Single flight**: however many callers need a new token at once, one request is made and all share its result.
/// - **Backoff**: after a failure no request is made until a `RetrySchedule` delay (the policy's `[retry]` curve, the
///   same as the stop retries: after the n-th consecutive failure, full jitter over
///   `min(max_backoff, initial_backoff * multiplier^(n-1))`, injected random source; ``setBackoff(_:)`` swaps the
///   curve on a reload; a `Retry-After` on the failure is honoured on top) has passed; meanwhile ``token()`` throws
///   ``TokenError/backingOff(url:reason:until:)`` at once, which the enforcer treats as a retryable failed attempt.
/// - **401**: ``invalidate(_:)`` drops the cached token if it is the one refused, so the next ``token()`` fetches a
///   new one; two stops refused with the same token cause one refresh.
///
/// Logs `event=token_refreshed` with the expiry on each new token, and the failure reason on each failed request;
/// never the token, the client ID's secret or the form.
public actor ClientCredentialsTokenProvider: TokenProvider {
    /// Where and how to ask for tokens.
    public struct Configuration: Sendable {
        /// The token endpoint.
        public var tokenURL: String
        /// The `audience` form field.
        public var audience: String
        /// The OAuth client ID.
        public var clientID: String
        /// The OAuth client secret. Never log it.
        public var clientSecret: String
        /// The bound on one token request.
        public var requestTimeout: Duration
        /// The backoff after failures.
        public var backoff: RetrySchedule
        /// The share of a token's life after which it is refreshed.
        public var refreshFraction: Double

        /// Creates a configuration.
        public init(
            tokenURL: String,
            audience: String,
            clientID: String,
            clientSecret: String,
            requestTimeout: Duration = .seconds(15),
            backoff: RetrySchedule = RetrySchedule(
                initialBackoff: .seconds(1), maxBackoff: .seconds(60), multiplier: 2),
            refreshFraction: Double = 0.8
        ) {
            self.tokenURL = tokenURL
            self.audience = audience
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.requestTimeout = requestTimeout
            self.backoff = backoff
            self.refreshFraction = refreshFraction
        }
    }

    /// The token life assumed when the answer has no `expires_in`.
    public static let defaultLifetime: Double = 30 * 60

    private struct Cached {
        var value: String
        var expiresAt: Date
        var refreshAt: Date
    }

    private var configuration: Configuration
    private let transport: any MaiaTransport
    private let clock: any WallClock
    private var rng: any RandomNumberGenerator & Sendable
    private let logger: Logger
    private let onHealthChange: (@Sendable (_ healthy: Bool) -> Void)?

    private var cached: Cached?
    /// While a token request is under way: the callers waiting for its result (single flight, with
    /// no unstructured task: the first caller makes the request, the others wait for it).
    private var refreshWaiters: [CheckedContinuation<Result<Cached, TokenError>, Never>]?
    private var failures = 0
    private var retryNotBefore: Date?
    private var lastFailure: String?
    /// Token requests sent so far.
    public private(set) var requestCount = 0

    /// Creates a provider. Nothing is requested until ``token()`` or ``maintain()``. `onHealthChange` is called with
    /// `false` after each failed request and `true` after each success (for the daemon's `status`).
    public init(
        configuration: Configuration,
        transport: any MaiaTransport,
        clock: any WallClock,
        random: some RandomNumberGenerator & Sendable,
        logger: Logger,
        onHealthChange: (@Sendable (_ healthy: Bool) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.rng = random
        self.logger = logger
        self.onHealthChange = onHealthChange
    }

    /// The cached token while it is fresh; else a new one (one request for all callers at once); else, when that
    /// fails, the old one while it has not expired.
    public func token() async throws(TokenError) -> String {
        let now = self.clock.now()
        if let cached = self.cached, now < cached.refreshAt {
            return cached.value
        }
        if self.refreshWaiters == nil, let notBefore = self.retryNotBefore, now < notBefore {
            if let cached = self.cached, now < cached.expiresAt {
                return cached.value
            }
            throw .backingOff(
                url: self.configuration.tokenURL, reason: self.lastFailure ?? "it failed", until: notBefore)
        }
        let result = await self.refresh()
        switch result {
        case .success(let fresh):
            return fresh.value
        case .failure(let error):
            if let cached = self.cached, self.clock.now() < cached.expiresAt {
                return cached.value
            }
            throw error
        }
    }

    /// Drops the cached token if it is `token` (refused with a 401), so that the next ``token()`` fetches a new one
    /// even during a backoff.
    public func invalidate(_ token: String) {
        guard self.cached?.value == token else { return }
        self.cached = nil
        self.retryNotBefore = nil
    }

    /// Uses `backoff` for every failure from now on (a reload of `[retry]`). The count of consecutive failures and a
    /// backoff already under way are kept: the next failure's delay is drawn from the new curve.
    public func setBackoff(_ backoff: RetrySchedule) {
        self.configuration.backoff = backoff
    }

    /// Keeps a token fresh until the calling task is cancelled: fetches one now, then again at 80 % of each token's
    /// life, and after a failure as soon as the backoff allows. Run by the daemon as a service so that it becomes
    /// ready whether or not the token endpoint answers, and keeps trying.
    public func maintain() async {
        while !Task.isCancelled {
            _ = try? await self.token()
            // After a failure the cached token (if any) is already due for refresh: wait for the backoff only.
            let now = self.clock.now()
            var wake = now
            if let notBefore = self.retryNotBefore, notBefore > now {
                wake = notBefore
            } else if let cached = self.cached {
                wake = cached.refreshAt
            }
            if wake <= now {
                // Nothing to wait for (a backoff drawn as zero): yield so a failing endpoint cannot starve others.
                await Task.yield()
            }
            do {
                try await self.clock.sleep(until: wake)
            } catch {
                return
            }
        }
    }

    /// One request for every caller that needs a token now.
    private func refresh() async -> Result<Cached, TokenError> {
        if self.refreshWaiters != nil {
            return await withCheckedContinuation { self.refreshWaiters?.append($0) }
        }
        self.refreshWaiters = []
        let result = await self.fetch()
        let waiters = self.refreshWaiters ?? []
        self.refreshWaiters = nil
        for waiter in waiters { waiter.resume(returning: result) }
        return result
    }

    private func fetch() async -> Result<Cached, TokenError> {
        let sentAt = self.clock.now()
        self.requestCount += 1
        let request = TokenRequest(
            url: self.configuration.tokenURL,
            form: [
                ("grant_type", "client_credentials"),
                ("client_id", self.configuration.clientID),
                ("client_secret", self.configuration.clientSecret),
                ("audience", self.configuration.audience),
            ],
            timeout: self.configuration.requestTimeout,
            secrets: [self.configuration.clientSecret]
        )
        let response: MaiaResponse
        do {
            response = try await self.transport.send(request.transportRequest)
        } catch {
            return .failure(self.failed(reason: error.description, retryAfter: nil))
        }
        let retryAfter = response.retryAfter
        guard response.status == 200 else {
            var reason = "HTTP \(response.status)"
            if let error = Self.oauthError(response.body) {
                reason += " (\(error))"
            }
            return .failure(self.failed(reason: reason, retryAfter: retryAfter))
        }
        let answer: (token: String, lifetime: Double)
        switch Self.parse(response.body) {
        case .success(let parsed):
            answer = parsed
        case .failure(let unusable):
            return .failure(self.failed(reason: unusable.reason, retryAfter: nil))
        }
        let fresh = Cached(
            value: answer.token,
            expiresAt: sentAt.addingTimeInterval(answer.lifetime),
            refreshAt: sentAt.addingTimeInterval(answer.lifetime * self.configuration.refreshFraction)
        )
        self.cached = fresh
        self.failures = 0
        self.retryNotBefore = nil
        self.lastFailure = nil
        self.logger.notice(
            "obtained a Maia API token; it expires at \(fresh.expiresAt.formatted(.iso8601)), refresh due at \(fresh.refreshAt.formatted(.iso8601))",
            metadata: [
                "event": "token_refreshed",
                "token.expires_at": .string(fresh.expiresAt.formatted(.iso8601)),
            ]
        )
        self.onHealthChange?(true)
        return .success(fresh)
    }

    private func failed(reason: String, retryAfter: RetryAfter?) -> TokenError {
        let reason = reason.redacting(self.configuration.clientSecret)
        self.failures += 1
        let now = self.clock.now()
        let delay = self.configuration.backoff.delay(afterAttempt: self.failures, using: &self.rng).timeInterval
        var notBefore = now.addingTimeInterval(delay)
        if let retryAfter {
            notBefore = max(notBefore, retryAfter.notBefore(now: now))
        }
        self.retryNotBefore = notBefore
        self.lastFailure = reason
        self.logger.warning(
            "could not get a Maia API token from \(self.configuration.tokenURL): \(reason); failure \(self.failures), next try after \(notBefore.formatted(.iso8601))",
            metadata: ["event": "token_failed"]
        )
        self.onHealthChange?(false)
        return .endpointFailed(url: self.configuration.tokenURL, reason: reason)
    }

    private struct Answer: Decodable {
        var accessToken: String?
        var expiresIn: Double?
        var tokenType: String?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresIn = "expires_in"
            case tokenType = "token_type"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.accessToken = try? container.decodeIfPresent(String.self, forKey: .accessToken)
            self.tokenType = try? container.decodeIfPresent(String.self, forKey: .tokenType)
            if let number = try? container.decodeIfPresent(Double.self, forKey: .expiresIn) {
                self.expiresIn = number
            } else if let text = try? container.decodeIfPresent(String.self, forKey: .expiresIn) {
                self.expiresIn = Double(text)
            }
        }
    }

    /// Why a 200 answer holds no usable token.
    struct UnusableAnswer: Error {
        var reason: String
    }

    /// The token and its life in seconds, or why the body is unusable (never quoting it: it may hold a token).
    static func parse(_ body: [UInt8]) -> Result<(token: String, lifetime: Double), UnusableAnswer> {
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else {
            return .failure(UnusableAnswer(reason: "the answer is not a JSON object"))
        }
        guard let token = answer.accessToken, !token.isEmpty else {
            return .failure(UnusableAnswer(reason: "the answer has no access_token"))
        }
        guard token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return .failure(UnusableAnswer(reason: "the access_token contains spaces or control characters"))
        }
        if let type = answer.tokenType, type.lowercased() != "bearer" {
            return .failure(UnusableAnswer(reason: "the token_type is not Bearer"))
        }
        let lifetime = answer.expiresIn ?? Self.defaultLifetime
        guard lifetime.isFinite, lifetime > 0 else {
            return .failure(UnusableAnswer(reason: "the expires_in is not a positive number"))
        }
        return .success((token, lifetime))
    }

    /// The OAuth `error` code of an error answer (`invalid_client`, …), if it is a short plain word.
    static func oauthError(_ body: [UInt8]) -> String? {
        struct ErrorAnswer: Decodable { var error: String? }
        guard let error = (try? JSONDecoder().decode(ErrorAnswer.self, from: Data(body)))?.error,
            !error.isEmpty, error.count <= 64,
            error.unicodeScalars.allSatisfy({
                $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_"
            })
        else { return nil }
        return error
    }
}
