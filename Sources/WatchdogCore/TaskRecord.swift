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

/// How a task came to be tracked.
public enum TaskSource: String, Sendable, Hashable, Codable {
    /// A client sent `watch` or `stop` over the control socket.
    case socket
    /// The daemon found it in Maia's list of running tasks (`[discover]`).
    case discovery
}

/// Why a task read is due.
public enum ReadPurpose: String, Sendable, Hashable, Codable {
    /// At watch time (`runtime_origin = "created_at"`): the task's `createdAt` may move the origin earlier, and a
    /// task Maia does not know or that has ended needs no stop.
    case origin
    /// After a 204 (`[confirm]`): until Maia reports the task STOPPED or ERRORED.
    case confirm
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
    /// How the task came to be tracked.
    public var source: TaskSource = .socket
    /// The last status Maia reported for the task, as sent; `nil` before any read.
    public var maiaStatus: String?
    /// When Maia reported the task STOPPED or ERRORED after a 204 (state `stopped`).
    public var confirmedAt: Date?
    /// While a stop is being confirmed: first 204 + `[confirm] give_up_after`, when it ends `stop_unconfirmed`
    /// (kept in the record, so that a reload of the key moves it only for stops accepted afterwards).
    public var unconfirmedAt: Date?
    /// The last 204: `[confirm] restop_after` counts from here, and the reads' doubling starts again.
    public var lastAcceptedAt: Date?
    /// What the reads of this task are for; `nil` when none are due.
    public var readPurpose: ReadPurpose?
    /// When the next read is due; `nil` with a `readPurpose` while a read is in flight (a restart reads at once).
    public var nextReadAt: Date?
    /// Reads answered since the last 204 (or since the watch): the confirmation's interval doubles with each.
    public var reads: Int = 0
    /// Reads in a row that got no usable answer: their backoff grows with each.
    public var readFailures: Int = 0
    /// When `deadline_warning` was logged for the current deadline (`[safety] warn_before`).
    public var warnedAt: Date?
    /// What `extend` has added to the limit, in total.
    public var extended: Duration = .zero

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

    /// The instant the enforcer must next act on this record's stop, if any: the deadline while watching, the next
    /// attempt while stopping, and, while a stop awaits Maia's confirmation, the instant it ends `stop_unconfirmed`.
    /// Reads have their own schedule (`nextReadAt`).
    public var nextWake: Date? {
        switch state {
        case .watching: return deadline
        case .stopping: return [nextAttemptAt, unconfirmedAt].compactMap { $0 }.min()
        case .stopRequested: return unconfirmedAt
        default: return nil
        }
    }

    /// Whether the record's story has ended: a terminal state, except a `stop_requested` still being confirmed.
    public var isSettled: Bool {
        state.isTerminal && !(state == .stopRequested && readPurpose == .confirm)
    }
}
