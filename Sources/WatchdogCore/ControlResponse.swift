import FoundationEssentials
import WatchdogProtocol

/// One response line of the control socket, as the daemon holds it before writing it: the
/// records themselves. ``reply`` is the wire form (``ControlReply``, the type `maia-watchdogctl`
/// decodes).
public enum ControlResponse: Sendable, Equatable {
    case task(TaskRecord)
    case tasks([TaskRecord])
    case daemon(DaemonStatus)
    /// `release`: how many held tasks were let go.
    case released(Int)
    /// `metrics`: the exposition text.
    case metrics(String)
    case failure(ControlError)

    /// The response as the socket carries it.
    public var reply: ControlReply {
        switch self {
        case .task(let record): .task(TaskReport(record))
        case .tasks(let records): .tasks(records.map(TaskReport.init))
        case .daemon(let status): .daemon(DaemonReport(status))
        case .released(let count): .released(count)
        case .metrics(let text): .metrics(text)
        case .failure(let error): .failure(error)
        }
    }

    /// The response as one line of JSON, without the trailing `\n`. Keys are written in the
    /// contract's order; absent values are `null`, never omitted.
    public var jsonLine: String { reply.jsonLine }
}
