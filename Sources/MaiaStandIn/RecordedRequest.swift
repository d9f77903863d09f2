import Foundation

/// One request the stand-in received, whatever it answered (401s and 404s included).
public struct RecordedRequest: Sendable {
    /// The HTTP method, e.g. `POST`.
    public let method: String
    /// The request target as received (path and query).
    public let path: String
    /// The `{taskId}` path parameter when the path is the Stop endpoint's, else `nil`.
    public let taskID: String?
    /// The `Authorization` header exactly as received.
    public let authorization: String?
    /// The token from an `Authorization: Bearer …` header.
    public let bearerToken: String?
    /// All request headers in order.
    public let headers: [(name: String, value: String)]
    /// The client's address and port, e.g. `[IPv4]127.0.0.1/127.0.0.1:50312`; the same value for two requests means
    /// the client kept the connection alive.
    public let remoteAddress: String?
    /// The decoded `application/x-www-form-urlencoded` body of a token request (it holds the client secret), else
    /// `nil`.
    public let form: [String: String]?
    /// What the stand-in chose to answer.
    public let answer: ScriptedAnswer
    /// The wall-clock time the request was complete.
    public let receivedAt: Date
    /// The same moment on the monotonic clock, for measuring intervals between attempts.
    public let monotonic: ContinuousClock.Instant

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return self.headers.first { $0.name.lowercased() == wanted }?.value
    }
}

extension RecordedRequest: CustomStringConvertible {
    /// One log line, without the token or form: `POST /dpc/v1/ai/agents/tasks/…/stop -> 204`.
    public var description: String {
        "\(self.method) \(self.path) -> \(self.answer)"
    }
}
