/// Why a Stop request got no HTTP answer. The text never contains the bearer token.
public enum StopTransportError: Error, Sendable, Equatable, CustomStringConvertible {
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
