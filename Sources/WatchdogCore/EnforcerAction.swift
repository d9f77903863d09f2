import FoundationEssentials
import WatchdogProtocol

/// What the enforcer's I/O shell must do after the state machine has decided.
public enum EnforcerAction: Sendable, Equatable {
    /// Make one HTTP stop attempt now; `freshToken` after a 401.
    case sendStop(freshToken: Bool)
    /// Nothing to send yet: wake again at this instant (backoff, `Retry-After`).
    case sleep(until: Date)
    /// No retry fits before `give_up_after`: the record stays `stopping` (no attempt is sent) until this instant,
    /// first attempt + `give_up_after`, and then ends `gave_up` (``TaskMachine/retryDue(_:now:)``).
    case giveUp(at: Date)
    /// The record reached a terminal state.
    case finish(TaskState)
}
