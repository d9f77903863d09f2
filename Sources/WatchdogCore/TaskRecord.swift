import FoundationEssentials
import WatchdogProtocol

/// Who asked for a task to be watched or stopped (the control socket peer's SO_PEERCRED).
public struct Requester: Sendable, Hashable, Codable {
    public var uid: UInt32
    public var pid: Int32

    public init(uid: UInt32, pid: Int32) {
        self.uid = uid
        self.pid = pid
    }
}

/// Everything the daemon knows about one tracked task.
///
/// Times are wall-clock instants so that they survive restarts; waiting on them uses the monotonic
/// clock (see `WallClock`).
public struct TaskRecord: Sendable, Hashable, Codable {
    public var id: TaskID
    public var state: TaskState
    /// When the watch was received.
    public var watchedAt: Date
    /// When the runtime started counting (`started-at=`, else `watchedAt`).
    public var startedAt: Date
    /// `nil` when the task is exempt (`infinity`).
    public var deadline: Date?
    /// The limit in force; `nil` when exempt.
    public var maxRuntime: Duration?
    /// `max-runtime=` as the client asked for it, kept so a reload can recompute the limit.
    public var requestedMaxRuntime: Duration?
    /// HTTP requests made so far, including a retry after a 401.
    public var attempts: Int
    public var lastHTTPStatus: Int?
    public var lastError: String?
    public var updatedAt: Date
    public var requestedBy: Requester
    /// When the first stop attempt of this stop sequence was made (`give_up_after` counts from here).
    public var firstAttemptAt: Date?
    /// While `stopping`: when the next attempt is due.
    public var nextAttemptAt: Date?

    public init(
        id: TaskID,
        state: TaskState,
        watchedAt: Date,
        startedAt: Date,
        deadline: Date?,
        maxRuntime: Duration?,
        requestedMaxRuntime: Duration? = nil,
        attempts: Int = 0,
        lastHTTPStatus: Int? = nil,
        lastError: String? = nil,
        updatedAt: Date,
        requestedBy: Requester,
        firstAttemptAt: Date? = nil,
        nextAttemptAt: Date? = nil
    ) {
        self.id = id
        self.state = state
        self.watchedAt = watchedAt
        self.startedAt = startedAt
        self.deadline = deadline
        self.maxRuntime = maxRuntime
        self.requestedMaxRuntime = requestedMaxRuntime
        self.attempts = attempts
        self.lastHTTPStatus = lastHTTPStatus
        self.lastError = lastError
        self.updatedAt = updatedAt
        self.requestedBy = requestedBy
        self.firstAttemptAt = firstAttemptAt
        self.nextAttemptAt = nextAttemptAt
    }

    /// The instant the enforcer must next act on this record, if any: the deadline while
    /// watching, the next attempt while stopping.
    public var nextWake: Date? {
        switch state {
        case .watching: return deadline
        case .stopping: return nextAttemptAt
        default: return nil
        }
    }
}
