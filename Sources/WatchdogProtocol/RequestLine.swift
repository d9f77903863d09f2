/// One request line as the words it travels as: a verb and its arguments, each free of spaces and
/// line breaks.
///
/// `maia-watchdogctl` builds one from its command line and sends ``text``; it does not interpret the
/// values (task IDs, spans and times are the daemon's to validate), so that what a person typed
/// reaches the daemon as it was. ``ControlRequest/requestLine`` renders a parsed request the same way,
/// and ``ControlProtocol/parse(_:)-(String)`` reads one back.
public struct RequestLine: Sendable, Equatable {
    /// The keys of `key=value` arguments, each listed once.
    public enum Key: String, Sendable, CaseIterable {
        /// `watch … max-runtime=SPAN`.
        case maxRuntime = "max-runtime"
        /// `watch … started-at=RFC3339`.
        case startedAt = "started-at"
        /// `list state=STATE`.
        case state
        /// `extend … by=SPAN`.
        case by
    }

    /// The first word.
    public let verb: ControlVerb
    /// The words after the verb.
    public let arguments: [String]

    /// Makes a line from words that are already free of spaces and line breaks.
    public init(_ verb: ControlVerb, _ arguments: [String] = []) {
        self.verb = verb
        self.arguments = arguments
    }

    /// The line sent to the daemon, without its `\n`.
    public var text: String {
        ([verb.rawValue] + arguments).joined(separator: " ")
    }

    /// `key=value`.
    public static func argument(_ key: Key, _ value: String) -> String {
        key.rawValue + "=" + value
    }

    /// `watch TASK_ID [max-runtime=SPAN] [started-at=RFC3339]`.
    public static func watch(taskID: String, maxRuntime: String?, startedAt: String?) -> RequestLine {
        var arguments = [taskID]
        if let maxRuntime { arguments.append(argument(.maxRuntime, maxRuntime)) }
        if let startedAt { arguments.append(argument(.startedAt, startedAt)) }
        return RequestLine(.watch, arguments)
    }

    /// `stop TASK_ID`.
    public static func stop(taskID: String) -> RequestLine {
        RequestLine(.stop, [taskID])
    }

    /// `forget TASK_ID`.
    public static func forget(taskID: String) -> RequestLine {
        RequestLine(.forget, [taskID])
    }

    /// `status` (the daemon) or `status TASK_ID`.
    public static func status(taskID: String?) -> RequestLine {
        RequestLine(.status, taskID.map { [$0] } ?? [])
    }

    /// `list` or `list state=STATE`.
    public static func list(state: TaskState?) -> RequestLine {
        RequestLine(.list, state.map { [argument(.state, $0.rawValue)] } ?? [])
    }

    /// `extend TASK_ID by=SPAN`.
    public static func extend(taskID: String, by span: String) -> RequestLine {
        RequestLine(.extend, [taskID, argument(.by, span)])
    }

    /// `release`.
    public static var release: RequestLine { RequestLine(.release) }

    /// `metrics`.
    public static var metrics: RequestLine { RequestLine(.metrics) }

    /// What a successful answer to this line carries.
    public var answer: ControlReply.Field {
        switch verb {
        case .watch, .stop, .forget, .extend: .task
        case .status: arguments.isEmpty ? .daemon : .task
        case .list: .tasks
        case .release: .released
        case .metrics: .metrics
        }
    }
}
