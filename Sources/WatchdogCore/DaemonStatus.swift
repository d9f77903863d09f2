import FoundationEssentials
import WatchdogProtocol

/// What the daemon reports about itself for `status`; ``DaemonReport`` is its wire form.
public struct DaemonStatus: Sendable, Equatable {
    /// Whether the daemon holds a usable Maia token.
    public typealias TokenHealth = WatchdogProtocol.TokenHealth

    public var version: String
    public var uptimeSeconds: Int
    public var policyPath: String
    public var policyLoadedAt: Date
    public var counts: [TaskState: Int]
    public var dryRun: Bool
    public var apiBaseURL: String
    public var token: TokenHealth
    /// How many times the store file was found deleted or replaced and written afresh (`store.recreated`).
    public var storeRecreated: Int
    /// When the breaker opened; `nil` while it is closed.
    public var breakerOpenedAt: Date?
    /// `[discover] enabled`, and how the last pass went.
    public var discoveryEnabled: Bool
    public var discoveryLastPassAt: Date?
    public var discoveryLastError: String?

    public init(
        version: String, uptimeSeconds: Int, policyPath: String, policyLoadedAt: Date, counts: [TaskState: Int],
        dryRun: Bool, apiBaseURL: String, token: TokenHealth, storeRecreated: Int = 0, breakerOpenedAt: Date? = nil,
        discoveryEnabled: Bool = false, discoveryLastPassAt: Date? = nil, discoveryLastError: String? = nil
    ) {
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.policyPath = policyPath
        self.policyLoadedAt = policyLoadedAt
        self.counts = counts
        self.dryRun = dryRun
        self.apiBaseURL = apiBaseURL
        self.token = token
        self.storeRecreated = storeRecreated
        self.breakerOpenedAt = breakerOpenedAt
        self.discoveryEnabled = discoveryEnabled
        self.discoveryLastPassAt = discoveryLastPassAt
        self.discoveryLastError = discoveryLastError
    }
}

extension DaemonReport {
    /// The `daemon` object for `status`: every field filled, every tracked state counted.
    public init(_ status: DaemonStatus) {
        self.init(
            version: status.version,
            uptimeSeconds: status.uptimeSeconds,
            policy: Policy(path: status.policyPath, loadedAt: RFC3339.format(status.policyLoadedAt)),
            counts: status.counts,
            dryRun: status.dryRun,
            api: API(baseURL: status.apiBaseURL, token: status.token),
            breaker: Breaker(
                state: status.breakerOpenedAt == nil ? "closed" : "open",
                openedAt: status.breakerOpenedAt.map(RFC3339.format), held: status.counts[.held] ?? 0),
            discovery: Discovery(
                enabled: status.discoveryEnabled, lastPassAt: status.discoveryLastPassAt.map(RFC3339.format),
                lastError: status.discoveryLastError),
            store: Store(recreated: status.storeRecreated))
    }
}
