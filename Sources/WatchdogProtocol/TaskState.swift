/// Where a tracked task stands: `watching` → (`held`) → `stopping` → `stop_requested` → `stopped` or
/// `stop_unconfirmed`, or another terminal state (`docs/protocol.md`, "States").
///
/// The one list of states: the daemon's counts, `list state=`, `maia-watchdogctl list --state` and the
/// order its status block shows counts in all derive from `allCases`, which is declared in life-cycle order.
public enum TaskState: String, Sendable, Codable, CaseIterable, Hashable {
    case watching
    /// A passed deadline the open breaker holds back: no stop call until `release`.
    case held
    /// Stop attempts under way or backing off.
    case stopping
    /// Maia answered 204 (accepted the stop); with `[confirm] enabled`, the task is read until Maia reports it
    /// stopped.
    case stopRequested = "stop_requested"
    /// Maia reported the task STOPPED or ERRORED after a 204.
    case stopped
    /// Maia never reported the task stopped within `[confirm] give_up_after` of the first 204.
    case stopUnconfirmed = "stop_unconfirmed"
    /// Maia answered 409: the task was not running.
    case notRunning = "not_running"
    /// Maia answered 404.
    case notFound = "not_found"
    /// Maia answered 400, 403, another 4xx, or 401 after a fresh token.
    case rejected
    /// Retries ran past `give_up_after`.
    case gaveUp = "gave_up"
    /// Dry run: the stop call was only logged.
    case dryRun = "dry_run"
    /// Reported once by `forget`; never stored.
    case forgotten

    /// The states a tracked record can be in (every case but `forgotten`), in life-cycle order: what
    /// `list state=` accepts and what the daemon's `counts` object holds.
    public static let tracked: [TaskState] = allCases.filter { $0 != .forgotten }

    /// Whether the state ends a record's story (kept for `retention`, then dropped). `stop_requested` does, unless
    /// the daemon is still confirming the stop (the record's `isSettled` says which).
    public var isTerminal: Bool {
        switch self {
        case .watching, .held, .stopping: return false
        default: return true
        }
    }
}
