/// The outcome of one Stop attempt, for the caller's state machine to classify.
public enum StopAnswer: Sendable, Equatable {
    /// Maia answered with `status`. `retryAfter` is the parsed `Retry-After` header, `problem` the decoded
    /// `application/problem+json` body, each `nil` when absent or malformed.
    case answered(status: Int, retryAfter: RetryAfter?, problem: ProblemDetail?)
    /// No answer: a transport failure (timeout, connection) or no usable token. The text is safe to log.
    case failed(reason: String)
}

extension StopAnswer: CustomStringConvertible {
    /// One line for the log, e.g. `HTTP 409: task is not running`.
    public var description: String {
        switch self {
        case .answered(let status, let retryAfter, let problem):
            var text = "HTTP \(status)"
            if let problem {
                text += ": \(problem)"
            }
            switch retryAfter {
            case .seconds(let seconds)?:
                text += " (Retry-After: \(seconds)s)"
            case .date(let date)?:
                text += " (Retry-After: \(date))"
            case nil:
                break
            }
            return text
        case .failed(let reason):
            return reason
        }
    }
}
