/// Which queue a request waits in at the shared ``RateLimiter`` when the bucket is empty, from the most urgent.
///
/// A waiting request of a lane always goes before every waiting request of the lanes after it, whenever they
/// arrived: a stop never waits behind a read, and a task read never waits behind a list page
/// (`interface.md`, "Maia's task reads"). Within a lane, requests go in the order they asked.
public enum RequestLane: Int, Sendable, Comparable, CaseIterable {
    /// Stop attempts, and token requests (a stop needs a token).
    case stop
    /// Reads of one task (``MaiaEndpoint/task(id:)``).
    case read
    /// Pages of the running-task list (``MaiaEndpoint/runningTasks(page:size:projectID:)``).
    case list

    /// The lane's name in metrics: `stop`, `read`, `list`.
    public var name: String {
        switch self {
        case .stop: "stop"
        case .read: "read"
        case .list: "list"
        }
    }

    /// Whether `lhs` is served before `rhs`: ``stop`` comes first.
    public static func < (lhs: RequestLane, rhs: RequestLane) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
