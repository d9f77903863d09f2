import FoundationEssentials

/// What one stop attempt came back with, as the state machine needs it.
public enum StopOutcome: Sendable, Equatable {
    /// Maia answered. `retryNotBefore` is the `Retry-After` as a wall-clock instant; `detail` is
    /// the ProblemDetail's `detail` and `violations`, already joined for the record.
    case answered(status: Int, retryNotBefore: Date?, detail: String?)
    /// No answer: timeout, connection failure, or no usable token. Always retryable.
    case failed(reason: String)
}
