import FoundationEssentials

/// One parsed request line of the control socket.
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
}
