/// Why a request got no HTTP answer. The text never contains the bearer token or another secret.
///
/// The texts still say "stop request" where they did when only stops went through the transport: they reach the
/// records' `last_error` and the log, and scripts may match them.
public enum MaiaTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No complete answer arrived within the request timeout (connect, send, or wait for the response).
    case timedOut
    /// The connection could not be made or broke before the answer was complete; the reason is short text, e.g.
    /// `connection refused`.
    case connectionFailed(String)
    /// The request could not be built, e.g. a malformed base URL or a token with characters not allowed in a header.
    case invalidRequest(String)
    /// The server's answer was not valid HTTP.
    case protocolError(String)
    /// The calling task was cancelled, or the transport was shut down.
    case cancelled

    /// A message a person can act on.
    public var description: String {
        switch self {
        case .timedOut:
            return "the Maia API did not answer within the request timeout"
        case .connectionFailed(let reason):
            return "could not reach the Maia API: \(reason)"
        case .invalidRequest(let reason):
            return "could not build the stop request: \(reason)"
        case .protocolError(let reason):
            return "the Maia API sent an invalid HTTP answer: \(reason)"
        case .cancelled:
            return "the stop request was cancelled"
        }
    }
}

extension MaiaTransportError {
    /// The same error with `secret` scrubbed from its text.
    func redacting(_ secret: String) -> MaiaTransportError {
        guard !secret.isEmpty else { return self }
        func scrub(_ text: String) -> String { text.redacting(secret) }
        switch self {
        case .connectionFailed(let reason): return .connectionFailed(scrub(reason))
        case .invalidRequest(let reason): return .invalidRequest(scrub(reason))
        case .protocolError(let reason): return .protocolError(scrub(reason))
        case .timedOut, .cancelled: return self
        }
    }
}
