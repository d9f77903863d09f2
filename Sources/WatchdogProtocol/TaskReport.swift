import FoundationEssentials

/// The TASK object of a response: a task record as the socket carries it.
///
/// The daemon fills every field from its `TaskRecord` (`nil` is `null` on the wire: `deadline` and
/// `max_runtime_s` when the task is exempt, `last_http_status` before any answer, `requested_by` for a
/// discovered task, `maia_status` before any read, `confirmed_at` until `stopped`, `warned_at` until
/// warned). `maia-watchdogctl` decodes it leniently: a field that is missing or of an unexpected type
/// reads as `nil`, so the answer of a daemon that predates a key decodes too. Times are kept as the
/// RFC 3339 text they travel as, so that the client shows exactly what was sent; `source` and
/// `maia_status` as text too, so that a value this version does not know is shown rather than lost.
public struct TaskReport: Sendable, Equatable, Decodable {
    /// Who asked for the task to be watched (the control socket peer's `SO_PEERCRED`).
    public struct Requester: Sendable, Equatable, Decodable {
        public var uid: Int?
        public var pid: Int?

        public init(uid: Int?, pid: Int?) {
            self.uid = uid
            self.pid = pid
        }

        private enum CodingKeys: String, CodingKey {
            case uid, pid
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            uid = container.lenient(Int.self, .uid)
            pid = container.lenient(Int.self, .pid)
        }
    }

    public var id: TaskID?
    public var state: TaskState?
    /// RFC 3339.
    public var watchedAt: String?
    /// RFC 3339; `nil` when the task is exempt.
    public var deadline: String?
    /// `max_runtime_s`; `nil` when the task is exempt.
    public var maxRuntime: Duration?
    public var attempts: Int?
    public var lastHTTPStatus: Int?
    public var lastError: String?
    /// RFC 3339.
    public var updatedAt: String?
    /// `nil` for a task the daemon discovered (`source` is `discovery`).
    public var requestedBy: Requester?
    /// How the task came to be tracked: `socket` or `discovery`.
    public var source: String?
    /// RFC 3339: the origin the runtime counts from (`started-at=`, the task's `createdAt`, or receipt).
    public var startedAt: String?
    /// The last status read from Maia, as Maia sent it (`RUNNING`, `STOPPING`, `STOPPED`, `ERRORED`, …);
    /// `nil` before any read.
    public var maiaStatus: String?
    /// RFC 3339: when Maia reported the task stopped after a 204; `nil` until `stopped`.
    public var confirmedAt: String?
    /// RFC 3339: when `deadline_warning` was logged for the current deadline; `nil` until warned.
    public var warnedAt: String?
    /// `extended_s`: what `extend` has added to the limit in total (zero unless extended).
    public var extended: Duration?

    public init(
        id: TaskID?, state: TaskState?, watchedAt: String?, deadline: String?, maxRuntime: Duration?, attempts: Int?,
        lastHTTPStatus: Int?, lastError: String?, updatedAt: String?, requestedBy: Requester?,
        source: String? = nil, startedAt: String? = nil, maiaStatus: String? = nil, confirmedAt: String? = nil,
        warnedAt: String? = nil, extended: Duration? = nil
    ) {
        self.id = id
        self.state = state
        self.watchedAt = watchedAt
        self.deadline = deadline
        self.maxRuntime = maxRuntime
        self.attempts = attempts
        self.lastHTTPStatus = lastHTTPStatus
        self.lastError = lastError
        self.updatedAt = updatedAt
        self.requestedBy = requestedBy
        self.source = source
        self.startedAt = startedAt
        self.maiaStatus = maiaStatus
        self.confirmedAt = confirmedAt
        self.warnedAt = warnedAt
        self.extended = extended
    }

    private enum CodingKeys: String, CodingKey {
        case id, state, deadline, attempts, source
        case watchedAt = "watched_at"
        case maxRuntime = "max_runtime_s"
        case lastHTTPStatus = "last_http_status"
        case lastError = "last_error"
        case updatedAt = "updated_at"
        case requestedBy = "requested_by"
        case startedAt = "started_at"
        case maiaStatus = "maia_status"
        case confirmedAt = "confirmed_at"
        case warnedAt = "warned_at"
        case extended = "extended_s"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenient(TaskID.self, .id)
        state = container.lenient(TaskState.self, .state)
        watchedAt = container.lenient(String.self, .watchedAt)
        deadline = container.lenient(String.self, .deadline)
        maxRuntime = container.seconds(.maxRuntime)
        attempts = container.lenient(Int.self, .attempts)
        lastHTTPStatus = container.lenient(Int.self, .lastHTTPStatus)
        lastError = container.lenient(String.self, .lastError)
        updatedAt = container.lenient(String.self, .updatedAt)
        requestedBy = container.lenient(Requester.self, .requestedBy)
        source = container.lenient(String.self, .source)
        startedAt = container.lenient(String.self, .startedAt)
        maiaStatus = container.lenient(String.self, .maiaStatus)
        confirmedAt = container.lenient(String.self, .confirmedAt)
        warnedAt = container.lenient(String.self, .warnedAt)
        extended = container.seconds(.extended)
    }
}
