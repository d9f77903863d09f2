/// Every metric the daemon exposes, declared once: its name, kind, labels, help text and (for histograms) buckets.
/// `docs/operations.md` lists the same rows (a test keeps the two together); `DescribedMetricsFactory` takes the
/// help text and buckets from here, so a metric made anywhere through swift-metrics (the Maia client's rate-limit
/// wait included) is exposed with its `# HELP` line.
public enum MetricCatalog {
    public enum Kind: String, Sendable {
        case counter, gauge, histogram
    }

    public struct Entry: Sendable {
        public let name: String
        public let kind: Kind
        public let labels: [String]
        public let help: String
        /// Upper bounds in seconds, for histograms.
        public let buckets: [Double]
    }

    /// The prefix of every name.
    public static let prefix = "maia_watchdog_"

    /// Seconds, for waits that range from nothing to minutes (rate limit, confirmation, lateness).
    static let waitBuckets: [Double] = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800]
    /// Seconds, for a store commit (an fsync: under a millisecond to a second on a busy disk).
    static let commitBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

    public static let buildInfo = entry(
        "build_info", .gauge, ["version"], "Always 1; the label is the daemon's version.")
    public static let tasks = entry(
        "tasks", .gauge, ["state"], "Tracked task records by state (terminal ones stay until retention).")
    public static let stopAttempts = entry(
        "stop_attempts_total", .counter, ["status", "result"],
        "Stop requests answered, by HTTP status (none: no answer) and what followed.")
    public static let reads = entry(
        "reads_total", .counter, ["kind", "result"],
        "Task reads (origin, confirm) and list pages (list) answered, by result.")
    public static let retries = entry(
        "retries_total", .counter, ["request"], "Requests asked for again after a failing answer, by request kind.")
    public static let taskEnds = entry(
        "task_ends_total", .counter, ["state"], "Tasks whose enforcement ended, by terminal state.")
    public static let confirmation = entry(
        "stop_confirmation_seconds", .histogram, [], "From a stop's last 204 to the read that saw STOPPED or ERRORED.",
        buckets: waitBuckets)
    public static let lateness = entry(
        "deadline_lateness_seconds", .histogram, [], "From a task's deadline to the daemon acting on it.",
        buckets: waitBuckets)
    public static let rateLimitQueued = entry(
        "rate_limit_queued_requests", .gauge, ["lane"], "Requests waiting for the rate limit, by lane.")
    public static let rateLimitWait = entry(
        "rate_limit_wait_seconds", .histogram, ["lane"], "How long requests waited for the rate limit, by lane.",
        buckets: waitBuckets)
    public static let tokenRefreshes = entry(
        "token_refreshes_total", .counter, ["result"], "Token requests to the token endpoint, by result.")
    public static let tokenState = entry(
        "token_state", .gauge, ["state"], "1 for the token's current health (ok, missing, failing), 0 for the others.")
    public static let breakerOpen = entry("breaker_open", .gauge, [], "1 while the breaker is open.")
    public static let breakerHeld = entry("breaker_held_tasks", .gauge, [], "Tasks the open breaker holds.")
    public static let breakerOpenings = entry("breaker_openings_total", .counter, [], "Times the breaker opened.")
    public static let discoveryPasses = entry(
        "discovery_passes_total", .counter, ["result"], "Discovery passes ended, by result (ok, failed).")
    public static let discoveredTasks = entry(
        "discovered_tasks_total", .counter, ["how"],
        "Tasks discovery took up: discovered (untracked) or resumed (running again after a confirmed stop).")
    public static let discoveryLastSuccess = entry(
        "discovery_last_success_timestamp_seconds", .gauge, [],
        "Unix time of the end of the last good discovery pass; 0 before any.")
    public static let storeCommits = entry(
        "store_commits_total", .counter, ["result"], "Transactions of the task store, by result (ok, failed).")
    public static let storeCommitDuration = entry(
        "store_commit_seconds", .histogram, [], "How long a task store transaction took, fsync included.",
        buckets: commitBuckets)
    public static let connectionsOpen = entry("connections_open", .gauge, [], "Open control socket connections.")
    public static let connectionsRefused = entry(
        "connections_refused_total", .counter, ["reason"],
        "Control socket connections refused at a cap (too_many, too_many_from_process).")
    public static let scrapeConnectionsRefused = entry(
        "metrics_connections_refused_total", .counter, [], "Connections to the metrics endpoint refused at its cap.")

    /// Every entry, in the order of `docs/operations.md`.
    public static let all: [Entry] = [
        buildInfo, tasks, stopAttempts, reads, retries, taskEnds, confirmation, lateness, rateLimitQueued,
        rateLimitWait, tokenRefreshes, tokenState, breakerOpen, breakerHeld, breakerOpenings, discoveryPasses,
        discoveredTasks, discoveryLastSuccess, storeCommits, storeCommitDuration, connectionsOpen, connectionsRefused,
        scrapeConnectionsRefused,
    ]

    private static let byName: [String: Entry] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The entry of a full name, if it is one of these.
    public static func entry(named name: String) -> Entry? { byName[name] }

    private static func entry(
        _ name: String, _ kind: Kind, _ labels: [String], _ help: String, buckets: [Double] = []
    ) -> Entry {
        Entry(name: prefix + name, kind: kind, labels: labels, help: help, buckets: buckets)
    }
}
