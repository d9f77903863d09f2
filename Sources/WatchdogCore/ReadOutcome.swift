import FoundationEssentials
import WatchdogProtocol

/// What one task read (`GET /v1/ai/agents/tasks/{taskId}`) came back with, as the state machine needs it.
public enum ReadOutcome: Sendable, Equatable {
    /// 200: the task's status as Maia sent it (`RUNNING`, `STOPPING`, `STOPPED`, `ERRORED`, or one the daemon does
    /// not know) and its `createdAt`, if it had a usable one.
    case task(status: String, createdAt: Date?)
    /// Any other answer. `retryNotBefore` is the `Retry-After` as an instant; `detail` the ProblemDetail in a line.
    case answered(status: Int, retryNotBefore: Date?, detail: String?)
    /// No answer: timeout, connection failure, no usable token, an unusable body.
    case failed(reason: String)
}

/// What the task machine made of a read.
public enum ReadStep: Sendable, Equatable {
    /// Read again at this instant (at once with a fresh token after a first 401; otherwise the next confirmation
    /// read, or a backoff after a failure).
    case readAgain(at: Date, freshToken: Bool)
    /// The watch-time read is done; `movedFrom` is the origin before the task's `createdAt` moved it earlier.
    case originChecked(movedFrom: Date?)
    /// Still RUNNING `restop_after` after the last 204: the stop is sent again (the record is `stopping`, due now).
    case restop
    /// The record reached a terminal state without a stop call (`not_found`, `not_running`) or was confirmed
    /// (`stopped`).
    case finish(TaskState)
}

extension ReadOutcome {
    /// Maia's status, when the read was answered with the task.
    public var taskStatus: String? {
        if case .task(let status, _) = self { return status }
        return nil
    }
}
