#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an exchange with the daemon's socket failed: every case means "could not be reached".
enum ControlSocketError: Error, Equatable, CustomStringConvertible {
    /// The path does not fit in a Unix socket address.
    case pathTooLong
    /// `socket` or `connect` failed (ENOENT: no socket file; ECONNREFUSED: nobody listens;
    /// EACCES: the socket file's mode keeps us out).
    case connect(errno: Int32)
    /// Setting a socket timeout failed.
    case socketOption(errno: Int32)
    /// Sending the request failed.
    case send(errno: Int32)
    /// Receiving the response failed.
    case receive(errno: Int32)
    /// The exchange did not finish within the timeout.
    case timedOut
    /// The daemon closed the connection before sending anything.
    case closedWithoutAnswer
    /// The daemon closed the connection in the middle of a response line.
    case closedMidLine
    /// The response line exceeded ``ControlSocketClient/maximumResponseBytes``.
    case responseTooLong

    var description: String {
        switch self {
        case .pathTooLong:
            "the socket path is too long for a Unix socket address"
        case .connect(let code):
            "cannot connect: \(Self.describe(code))"
        case .socketOption(let code):
            "cannot set a socket timeout: \(Self.describe(code))"
        case .send(let code):
            "cannot send the request: \(Self.describe(code))"
        case .receive(let code):
            "cannot receive the response: \(Self.describe(code))"
        case .timedOut:
            "no answer in time"
        case .closedWithoutAnswer:
            "the daemon closed the connection without answering"
        case .closedMidLine:
            "the daemon closed the connection in the middle of its answer"
        case .responseTooLong:
            "the answer is longer than \(ControlSocketClient.maximumResponseBytes) bytes"
        }
    }

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
