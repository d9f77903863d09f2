import FoundationEssentials

/// The `daemon` object of a `status` response.
public struct DaemonStatus: Sendable, Equatable {
    /// Whether the daemon holds a usable Maia token.
    public enum TokenHealth: String, Sendable {
        case ok
        case missing
        case failing
    }

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

    public init(
        version: String, uptimeSeconds: Int, policyPath: String, policyLoadedAt: Date, counts: [TaskState: Int],
        dryRun: Bool, apiBaseURL: String, token: TokenHealth, storeRecreated: Int = 0
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
    }
}
