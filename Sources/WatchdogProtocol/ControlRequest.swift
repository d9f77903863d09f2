import FoundationEssentials

/// One parsed request line of the control socket (``ControlProtocol/parse(_:)-(String)``).
public enum ControlRequest: Sendable, Equatable {
    /// `watch ID [max-runtime=SPAN] [started-at=RFC3339]`, or a bare ID. `maxRuntime` is `nil`
    /// when not given or `infinity` (which cannot shorten anything).
    case watch(TaskID, maxRuntime: Duration?, startedAt: Date?)
    case stop(TaskID)
    case forget(TaskID)
    /// `status` (the daemon) or `status ID`.
    case status(TaskID?)
    /// `list` or `list state=STATE`.
    case list(TaskState?)
    /// `extend ID by=SPAN`: move a watching task's deadline later by a finite span above 0.
    case extend(TaskID, by: Duration)
    /// `release`: close an open breaker; the held tasks start their stop sequences.
    case release
    /// `metrics`: the daemon's metrics, as `/metrics` serves them.
    case metrics

    /// The request as a line in its canonical form: IDs in lower case, spans in seconds (or
    /// microseconds, the finest unit a span has), times in UTC with milliseconds. Parsing it gives
    /// back `self` when the values carry no finer precision than that.
    public var requestLine: RequestLine {
        switch self {
        case .watch(let id, let maxRuntime, let startedAt):
            .watch(
                taskID: id.rawValue, maxRuntime: maxRuntime.map(Self.span), startedAt: startedAt.map(RFC3339.format))
        case .stop(let id): .stop(taskID: id.rawValue)
        case .forget(let id): .forget(taskID: id.rawValue)
        case .status(let id): .status(taskID: id?.rawValue)
        case .list(let state): .list(state: state)
        case .extend(let id, let span): .extend(taskID: id.rawValue, by: Self.span(span))
        case .release: .release
        case .metrics: .metrics
        }
    }

    /// A duration as a span: whole seconds, else microseconds.
    private static func span(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        return "\(seconds * 1_000_000 + attoseconds / 1_000_000_000_000)us"
    }
}
