import FoundationEssentials
import Glibc
import Logging
import MaiaClient
import ServiceLifecycle
import WatchdogCore
import WatchdogProtocol

extension Daemon {
    /// Where the daemon's Maia token comes from.
    enum Credentials {
        /// `maia-client-id` + `maia-client-secret`: OAuth client credentials, refreshed before expiry.
        case clientCredentials(id: String, secret: String)
        /// `maia-token`: a static bearer token, re-read after a 401.
        case staticToken(file: String)
    }

    /// The Maia side of the daemon: the stop caller, the services it needs, how a reloaded policy reaches it, and how
    /// to shut it down.
    struct MaiaWiring {
        var caller: any MaiaCaller
        /// Whether tasks can be read (there are credentials; a dry run still reads).
        var readsTasks = true
        var services: [any Service] = []
        /// Applies the reloadable keys the client reads: `[api] max_in_flight` (the connection pool) and `[retry]`
        /// (the token provider's backoff). Called by the reload before the enforcer gets the policy, so that more
        /// attempts in flight never wait for a connection.
        var reload: @Sendable (Policy) async -> Void = { _ in }
        var shutdown: @Sendable () async -> Void = {}
    }

    static let clientIDCredential = "maia-client-id"
    static let clientSecretCredential = "maia-client-secret"
    static let tokenCredential = "maia-token"

    /// The credentials in `$CREDENTIALS_DIRECTORY`. Client credentials win over `maia-token` when both are present
    /// (a warning is logged); a secret file readable by group or others is warned about. `nil` only in a dry run
    /// without usable credentials; outside a dry run, missing or unusable credentials fail the start with EX_CONFIG.
    /// Nothing is sent anywhere here: the token endpoint is first asked once the daemon runs.
    static func loadCredentials(
        policy: Policy, environment: [String: String], logger: Logger
    ) async throws(StartFailure) -> Credentials? {
        func path(_ name: String) -> String? {
            StaticTokenProvider.credentialsFile(named: name, environment: environment)
        }
        /// A credential is present when its file exists and is not empty: the unit loads all three
        /// names, and `make install` creates the unused ones empty.
        func present(_ name: String) -> String? {
            var info = stat()
            guard let file = path(name), stat(file, &info) == 0, info.st_size > 0 else { return nil }
            warnIfExposed(file, logger: logger)
            return file
        }
        func unusable(_ message: String) throws(StartFailure) -> Credentials? {
            if policy.dryRun {
                logger.warning("\(message); fine for a dry run")
                return nil
            }
            throw StartFailure(message, status: ExitStatus.config, errno: ENOKEY)
        }

        let idFile = present(clientIDCredential)
        let secretFile = present(clientSecretCredential)
        let tokenFile = present(tokenCredential)
        if idFile != nil || secretFile != nil {
            guard let idFile, let secretFile else {
                let missing = idFile == nil ? clientIDCredential : clientSecretCredential
                return try unusable(
                    "credential \(missing) is missing: OAuth client credentials need both \(clientIDCredential) "
                        + "and \(clientSecretCredential)")
            }
            if let tokenFile {
                let message =
                    "both OAuth client credentials and \(tokenFile) are present; using the client credentials "
                    + "and ignoring \(tokenCredential)"
                logger.warning("\(message)")
            }
            do throws(CredentialError) {
                return .clientCredentials(id: try readCredential(idFile), secret: try readCredential(secretFile))
            } catch {
                return try unusable("\(error)")
            }
        }
        guard let tokenFile else {
            return try unusable(
                "no Maia credentials: set LoadCredential=\(clientIDCredential) and \(clientSecretCredential) "
                    + "(or \(tokenCredential)), or point CREDENTIALS_DIRECTORY at a directory holding those files, "
                    + "or run with --dry-run")
        }
        do {
            _ = try await StaticTokenProvider(file: tokenFile).token()
            return .staticToken(file: tokenFile)
        } catch {
            return try unusable("credential \(tokenCredential) is unusable: \(error)")
        }
    }

    /// The caller for `credentials`: over HTTP through one rate limiter shared by stops, reads and token requests
    /// (a dry run with credentials still reads; the enforcer never asks it to stop), or without credentials the
    /// dry-run caller, which reads nothing. With client credentials, a ``TokenRefreshService`` keeps the token fresh.
    /// `metrics` gets the limiter's waits and queues, the token requests and the token's health.
    static func makeMaia<Clock: WallClock>(
        credentials: Credentials?, policy: Policy, clock: Clock, random: SplitMix64 = SplitMix64(),
        metrics: DaemonMetrics = DaemonMetrics(), logger: Logger
    ) -> MaiaWiring {
        guard let credentials else {
            metrics.addSampler { Self.sampleToken(.missing, into: metrics) }
            return MaiaWiring(caller: DryRunCaller(hasToken: false), readsTasks: false)
        }
        // One pooled connection per attempt in flight and per read in flight (plus one for a token request), so that
        // `max_in_flight` attempts never queue for a connection behind reads; `reload` resizes the pool when
        // `max_in_flight` changes.
        let http = HTTPTransport(
            version: MaiaWatchdogVersion.current, maxConnections: Self.connections(policy), logger: logger)
        let limiter = RateLimiter(ratePerMinute: policy.api.maxRequestsPerMinute, clock: clock)
        let transport = RateLimitedTransport(http, limiter: limiter, clock: clock, metrics: metrics.factory)
        let health = TokenHealthTracker(.ok)
        metrics.addSampler {
            for lane in RequestLane.allCases {
                metrics.set(MetricCatalog.rateLimitQueued, ("lane", lane.name), to: Double(limiter.queued(in: lane)))
            }
            Self.sampleToken(health.value, into: metrics)
        }
        var services: [any Service] = []
        let tokens: any TokenProvider
        let provider: ClientCredentialsTokenProvider?
        switch credentials {
        case .staticToken(let file):
            tokens = StaticTokenProvider(file: file)
            provider = nil
        case .clientCredentials(let id, let secret):
            let oauth = ClientCredentialsTokenProvider(
                configuration: .init(
                    tokenURL: policy.auth.tokenURL, audience: policy.auth.audience, clientID: id, clientSecret: secret,
                    requestTimeout: policy.api.requestTimeout, backoff: RetrySchedule(policy.retry)),
                transport: transport, clock: clock, random: random, logger: logger,
                onHealthChange: { healthy in
                    health.set(healthy ? .ok : .failing)
                    metrics.count(MetricCatalog.tokenRefreshes, ("result", healthy ? "ok" : "failed"))
                })
            tokens = oauth
            provider = oauth
            services.append(TokenRefreshService(provider: oauth))
        }
        let caller = MaiaAPICaller(
            client: MaiaAPIClient(
                baseURL: policy.api.baseURL, requestTimeout: policy.api.requestTimeout, transport: transport,
                tokens: tokens),
            clock: clock, health: health)
        return MaiaWiring(
            caller: caller, services: services,
            reload: { policy in
                await http.setMaxConnections(Self.connections(policy))
                await provider?.setBackoff(RetrySchedule(policy.retry))
            },
            shutdown: { try? await http.shutdown() })
    }

    /// Sets `token_state`: 1 for `health`, 0 for the others.
    private static func sampleToken(_ health: TokenHealth, into metrics: DaemonMetrics) {
        for state in TokenHealth.allCases {
            metrics.set(MetricCatalog.tokenState, ("state", state.rawValue), to: state == health ? 1 : 0)
        }
    }

    /// The connection pool's size for `policy`: one per attempt in flight and one per read in flight (the enforcer
    /// allows `max_in_flight` of each), plus one for a token request.
    static func connections(_ policy: Policy) -> Int {
        let (double, overflow) = policy.api.maxInFlight.multipliedReportingOverflow(by: 2)
        let (sum, overflowed) = double.addingReportingOverflow(1)
        return overflow || overflowed ? .max : sum
    }

    /// Warns when a secret file can be read or written by group or others (`mode & 0o077`). systemd's
    /// `LoadCredential=` files are 0400; a hand-made directory outside systemd often is not.
    static func warnIfExposed(_ file: String, logger: Logger) {
        var info = stat()
        guard stat(file, &info) == 0 else { return }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 != 0 else { return }
        let message =
            "credential file \(file) is accessible to group or others (mode \(String(mode, radix: 8))); "
            + "restrict it to its owner (chmod 600) or use systemd's LoadCredential="
        logger.warning("\(message)")
    }

    /// Why a client-credential file cannot be used; names the file, never its content.
    enum CredentialError: Error, CustomStringConvertible {
        case unreadable(String)
        case empty(String)
        case malformed(String)

        var description: String {
            switch self {
            case .unreadable(let file): return "credential file \(file) could not be read"
            case .empty(let file): return "credential file \(file) is empty"
            case .malformed(let file): return "credential file \(file) contains control characters inside it"
            }
        }
    }

    /// A credential file's content without surrounding whitespace and newlines.
    static func readCredential(_ file: String) throws(CredentialError) -> String {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else { throw .unreadable(file) }
        let value = text.trimmingWhitespace()
        guard !value.isEmpty else { throw .empty(file) }
        guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw .malformed(file)
        }
        return value
    }
}
