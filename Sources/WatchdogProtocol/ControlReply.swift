/// One response line of the control socket: what the daemon writes (``jsonLine``) and what
/// `maia-watchdogctl` reads (``init(from:)``).
///
/// Success is `{"ok":true, …}` with one of `task`, `tasks` or `daemon`; failure is
/// `{"ok":false,"error":CODE,"message":…}`. Decoding is lenient: unknown keys are ignored and a key
/// of an unexpected type reads as absent. Only `ok` is required.
public struct ControlReply: Sendable, Equatable, Decodable {
    /// The field a successful answer carries.
    public enum Field: String, Sendable {
        /// `"task": TASK` (`watch`, `stop`, `forget`, `status TASK_ID`).
        case task
        /// `"tasks": [TASK, …]` (`list`).
        case tasks
        /// `"daemon": {…}` (`status`).
        case daemon
        /// `"released": N` (`release`): the held tasks let go.
        case released
        /// `"metrics": "TEXT"` (`metrics`): the exposition text, as `/metrics` serves it.
        case metrics
    }

    /// `true` on success, `false` when the daemon refused.
    public var ok: Bool
    /// The error code of a refusal, as sent: a code this version does not know is kept as text.
    public var error: String?
    /// The human text of a refusal.
    public var message: String?
    /// The record answering `watch`, `stop`, `forget` and `status TASK_ID`.
    public var task: TaskReport?
    /// The records answering `list`.
    public var tasks: [TaskReport]?
    /// The daemon's own status, answering `status`.
    public var daemon: DaemonReport?
    /// The held tasks `release` let go.
    public var released: Int?
    /// The metrics text `metrics` answers with.
    public var metrics: String?

    /// A success carrying `task`.
    public static func task(_ task: TaskReport) -> ControlReply {
        ControlReply(ok: true, task: task)
    }

    /// A success carrying `tasks`.
    public static func tasks(_ tasks: [TaskReport]) -> ControlReply {
        ControlReply(ok: true, tasks: tasks)
    }

    /// A success carrying `daemon`.
    public static func daemon(_ daemon: DaemonReport) -> ControlReply {
        ControlReply(ok: true, daemon: daemon)
    }

    /// A success carrying `released`.
    public static func released(_ count: Int) -> ControlReply {
        ControlReply(ok: true, released: count)
    }

    /// A success carrying `metrics`.
    public static func metrics(_ text: String) -> ControlReply {
        ControlReply(ok: true, metrics: text)
    }

    /// A refusal.
    public static func failure(_ error: ControlError) -> ControlReply {
        ControlReply(ok: false, error: error.code.rawValue, message: error.message)
    }

    public init(
        ok: Bool, error: String? = nil, message: String? = nil, task: TaskReport? = nil, tasks: [TaskReport]? = nil,
        daemon: DaemonReport? = nil, released: Int? = nil, metrics: String? = nil
    ) {
        self.ok = ok
        self.error = error
        self.message = message
        self.task = task
        self.tasks = tasks
        self.daemon = daemon
        self.released = released
        self.metrics = metrics
    }

    /// The reply as one line of JSON, without the trailing `\n`: `ok`, then `error` and `message`,
    /// then whichever of `task`, `tasks` and `daemon` are present. Keys are written in the
    /// contract's order; absent values inside an object are `null`, never omitted.
    public var jsonLine: String {
        var json = JSONWriter()
        json.reply(self)
        return json.output
    }

    private enum CodingKeys: String, CodingKey {
        case ok, error, message, task, tasks, daemon, released, metrics
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ok = try container.decode(Bool.self, forKey: .ok)
        error = container.lenient(String.self, .error)
        message = container.lenient(String.self, .message)
        task = container.lenient(TaskReport.self, .task)
        tasks = container.lenient([TaskReport].self, .tasks)
        daemon = container.lenient(DaemonReport.self, .daemon)
        released = container.lenient(Int.self, .released)
        metrics = container.lenient(String.self, .metrics)
    }
}
