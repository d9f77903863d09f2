import FoundationEssentials

/// What one call to a Maia API endpoint came back with: the one outcome type of the client, for every endpoint.
///
/// It classifies nothing beyond "2xx or not": what a 404 or a 409 means is the caller's state machine's to decide
/// (see "HTTP outcomes" in the interface).
public enum MaiaOutcome<Success: Sendable>: Sendable {
    /// A 2xx answer with its decoded body.
    case succeeded(status: Int, Success)
    /// Any other answer. `retryAfter` is the parsed `Retry-After` header, `problem` the decoded
    /// `application/problem+json` body, each `nil` when absent or malformed.
    case answered(status: Int, retryAfter: RetryAfter?, problem: ProblemDetail?)
    /// No usable answer: no token, a transport failure (timeout, connection), or a 2xx body that did not decode.
    /// The text is safe to log.
    case failed(reason: String)

    /// The HTTP status, `nil` for ``failed(reason:)``.
    public var status: Int? {
        switch self {
        case .succeeded(let status, _), .answered(let status, _, _): return status
        case .failed: return nil
        }
    }
}

extension MaiaOutcome: Equatable where Success: Equatable {}

extension MaiaOutcome: CustomStringConvertible {
    /// One line for the log, e.g. `HTTP 409: task is not running`.
    public var description: String {
        switch self {
        case .succeeded(let status, _):
            return "HTTP \(status)"
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
