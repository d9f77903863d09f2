/// What the stand-in answers to one request: a stop, a task read or a list page (see ``fromRegistry``).
public indirect enum ScriptedAnswer: Sendable, Equatable {
    /// Answer with `status`. A 4xx or 5xx carries an `application/problem+json` body with `detail` and `violations`
    /// (a default detail when `nil`); `retryAfter` becomes a `Retry-After` header verbatim (e.g. `"7"` or an HTTP
    /// date). Other statuses have an empty body.
    case status(Int, retryAfter: String? = nil, detail: String? = nil, violations: [String]? = nil)
    /// Answer `answer` only after `delay`, e.g. to exceed a client's request timeout.
    case delayed(Duration, ScriptedAnswer)
    /// Answer `answer` only once ``MaiaStandIn/releaseHeld(_:)`` lets it go (oldest first), so that a test decides
    /// when a request in flight ends, without a timer.
    case held(ScriptedAnswer)
    /// Close the connection without answering.
    case dropConnection

    /// `204 No Content`: the stop was accepted.
    public static let accepted: ScriptedAnswer = .status(204)

    /// The status finally sent, or `nil` for ``dropConnection``.
    public var finalStatus: Int? {
        switch self {
        case .status(let status, _, _, _):
            return status
        case .delayed(_, let answer), .held(let answer):
            return answer.finalStatus
        case .dropConnection:
            return nil
        }
    }
}

extension ScriptedAnswer: CustomStringConvertible {
    /// A short form for logs: `204`, `502 Retry-After: 7`, `after 2.0 seconds: 204`, `drop connection`.
    public var description: String {
        switch self {
        case .status(let status, let retryAfter, _, _):
            return retryAfter.map { "\(status) Retry-After: \($0)" } ?? "\(status)"
        case .delayed(let delay, let answer):
            return "after \(delay): \(answer)"
        case .held(let answer):
            return "held: \(answer)"
        case .dropConnection:
            return "drop connection"
        }
    }
}

extension ScriptedAnswer {
    /// On a read or a list page: answer from the registry (any 2xx does; this is `200`), e.g. between scripted
    /// failures, or as `.held(.fromRegistry)`. On a stop it is a plain `200` with an empty body.
    public static let fromRegistry: ScriptedAnswer = .status(200)
}
