/// Errors of the stand-in's test API.
public enum MaiaStandInError: Error, Sendable, Equatable, CustomStringConvertible {
    /// ``MaiaStandIn/waitForRequests(count:kind:taskID:timeout:)`` timed out with fewer requests than expected.
    case timedOut(expected: Int, received: Int)
    /// The stand-in was shut down while waiting.
    case shutDown

    /// A message for a test failure.
    public var description: String {
        switch self {
        case .timedOut(let expected, let received):
            return "timed out waiting for \(expected) requests; received \(received)"
        case .shutDown:
            return "the stand-in was shut down"
        }
    }
}
