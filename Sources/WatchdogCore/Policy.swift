import FoundationEssentials
import WatchdogProtocol

/// The operator's validated, immutable policy (the TOML file of `docs/policy.md`).
///
/// Built by `PolicyParser`; every field is already checked, so the rest of the daemon never
/// re-validates.
public struct Policy: Sendable, Equatable {
    /// Which tasks may be watched or stopped.
    public enum Allowlist: Sendable, Equatable {
        /// `allow = ["*"]`.
        case everyTask
        /// `allow = [UUID, ...]`.
        case only(Set<TaskID>)

        public func admits(_ id: TaskID) -> Bool {
            switch self {
            case .everyTask: return true
            case .only(let ids): return ids.contains(id)
            }
        }
    }

    /// `[api]`.
    public struct APIConfiguration: Sendable, Equatable {
        /// Without a trailing slash, e.g. `https://eu1.api.matillion.com/dpc`.
        public var baseURL: String
        public var requestTimeout: Duration
        public var maxRequestsPerMinute: Int
        public var maxInFlight: Int

        public init(
            baseURL: String = "https://eu1.api.matillion.com/dpc",
            requestTimeout: Duration = .seconds(15),
            maxRequestsPerMinute: Int = 900,
            maxInFlight: Int = 16
        ) {
            self.baseURL = baseURL
            self.requestTimeout = requestTimeout
            self.maxRequestsPerMinute = maxRequestsPerMinute
            self.maxInFlight = maxInFlight
        }
    }

    /// `[auth]`: where the OAuth client-credentials grant is made. Secrets never live here.
    public struct AuthConfiguration: Sendable, Equatable {
        public var tokenURL: String
        public var audience: String

        public init(
            tokenURL: String = "https://id.core.matillion.com/oauth/dpc/token",
            audience: String = "https://api.matillion.com"
        ) {
            self.tokenURL = tokenURL
            self.audience = audience
        }
    }

    /// `[retry]`.
    public struct RetryConfiguration: Sendable, Equatable {
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        public var multiplier: Double
        public var giveUpAfter: Duration

        public init(
            initialBackoff: Duration = .seconds(1),
            maxBackoff: Duration = .seconds(60),
            multiplier: Double = 2.0,
            giveUpAfter: Duration = .seconds(30 * 60)
        ) {
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.multiplier = multiplier
            self.giveUpAfter = giveUpAfter
        }
    }

    /// `[socket]`: empty lists mean "whoever the socket's file mode lets in".
    public struct SocketConfiguration: Sendable, Equatable {
        public var allowedUIDs: [UInt32]
        public var allowedGIDs: [UInt32]
        /// Who may `extend` (and, with the breaker, `release`) besides root.
        public var extendUIDs: [UInt32]

        public init(allowedUIDs: [UInt32] = [], allowedGIDs: [UInt32] = [], extendUIDs: [UInt32] = []) {
            self.allowedUIDs = allowedUIDs
            self.allowedGIDs = allowedGIDs
            self.extendUIDs = extendUIDs
        }

        /// Whether a peer with this uid may `extend`: root, or a uid in `extend_uids`.
        public func mayExtend(uid: UInt32) -> Bool {
            uid == 0 || extendUIDs.contains(uid)
        }

        /// Whether a peer with these credentials may use the socket.
        public func admits(uid: UInt32, gid: UInt32) -> Bool {
            if allowedUIDs.isEmpty && allowedGIDs.isEmpty { return true }
            return allowedUIDs.contains(uid) || allowedGIDs.contains(gid)
        }
    }

    public var maxRuntime: TimeSpan
    public var allow: Allowlist
    public var dryRun: Bool
    public var retention: Duration
    /// Per-task limits; `.infinity` exempts a task.
    public var limits: [TaskID: TimeSpan]
    public var api: APIConfiguration
    public var auth: AuthConfiguration
    public var retry: RetryConfiguration
    public var socket: SocketConfiguration
    public var runtimeOrigin: RuntimeOrigin
    public var confirm: ConfirmConfiguration
    public var safety: SafetyConfiguration
    public var discover: DiscoverConfiguration
    public var metrics: MetricsConfiguration

    public init(
        maxRuntime: TimeSpan = .finite(.seconds(45 * 60)),
        allow: Allowlist,
        dryRun: Bool = false,
        retention: Duration = .seconds(7 * 86_400),
        limits: [TaskID: TimeSpan] = [:],
        api: APIConfiguration = .init(),
        auth: AuthConfiguration = .init(),
        retry: RetryConfiguration = .init(),
        socket: SocketConfiguration = .init(),
        runtimeOrigin: RuntimeOrigin = .createdAt,
        confirm: ConfirmConfiguration = .init(),
        safety: SafetyConfiguration = .init(),
        discover: DiscoverConfiguration = .init(),
        metrics: MetricsConfiguration = .init()
    ) {
        self.maxRuntime = maxRuntime
        self.allow = allow
        self.dryRun = dryRun
        self.retention = retention
        self.limits = limits
        self.api = api
        self.auth = auth
        self.retry = retry
        self.socket = socket
        self.runtimeOrigin = runtimeOrigin
        self.confirm = confirm
        self.safety = safety
        self.discover = discover
        self.metrics = metrics
    }

    /// The limit in force for `id` before any client-requested shortening.
    public func limit(for id: TaskID) -> TimeSpan {
        limits[id] ?? maxRuntime
    }
}
