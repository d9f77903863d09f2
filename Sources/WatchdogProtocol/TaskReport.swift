import FoundationEssentials

/// The TASK object of a response: a task record as the socket carries it.
///
/// The daemon fills every field from its `TaskRecord` (`nil` is `null` on the wire: `deadline` and
/// `max_runtime_s` when the task is exempt, `last_http_status` before any answer). `maia-watchdogctl`
/// decodes it leniently: a field that is missing or of an unexpected type reads as `nil`. Times
/// are kept as the RFC 3339 text they travel as, so that the client shows exactly what was sent.
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
    public var requestedBy: Requester?

    public init(
        id: TaskID?, state: TaskState?, watchedAt: String?, deadline: String?, maxRuntime: Duration?, attempts: Int?,
        lastHTTPStatus: Int?, lastError: String?, updatedAt: String?, requestedBy: Requester?
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
    }

    private enum CodingKeys: String, CodingKey {
        case id, state, deadline, attempts
        case watchedAt = "watched_at"
        case maxRuntime = "max_runtime_s"
        case lastHTTPStatus = "last_http_status"
        case lastError = "last_error"
        case updatedAt = "updated_at"
        case requestedBy = "requested_by"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = container.lenient(TaskID.self, .id)
        state = container.lenient(TaskState.self, .state)
        watchedAt = container.lenient(String.self, .watchedAt)
        deadline = container.lenient(String.self, .deadline)
        maxRuntime = container.lenient(Double.self, .maxRuntime).flatMap { $0.isFinite ? .seconds($0) : nil }
        attempts = container.lenient(Int.self, .attempts)
        lastHTTPStatus = container.lenient(Int.self, .lastHTTPStatus)
        lastError = container.lenient(String.self, .lastError)
        updatedAt = container.lenient(String.self, .updatedAt)
        requestedBy = container.lenient(Requester.self, .requestedBy)
    }
}
