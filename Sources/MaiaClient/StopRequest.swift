/// One Stop call as the transport sees it: where to send it, for which task, with which credentials,
/// and how long the whole exchange (connect, request, response head and body) may take.
public struct StopRequest: Sendable {
    /// The API root without a trailing slash, e.g. `https://eu1.api.matillion.com/dpc`.
    public var baseURL: String
    /// The task ID, already validated and in lower case (a UUID in production).
    public var taskID: String
    /// The bearer token. Never log it and never put it into an error.
    public var bearerToken: String
    /// The bound on the whole exchange.
    public var timeout: Duration

    /// Creates a request.
    public init(baseURL: String, taskID: String, bearerToken: String, timeout: Duration) {
        self.baseURL = baseURL
        self.taskID = taskID
        self.bearerToken = bearerToken
        self.timeout = timeout
    }
}

extension StopRequest: CustomStringConvertible, CustomDebugStringConvertible {
    /// The request without its token, safe to log.
    public var description: String {
        "POST \(self.baseURL)/v1/ai/agents/tasks/\(self.taskID)/stop"
    }

    /// The same as ``description``, so that `String(reflecting:)` never shows the token (`dump` uses a mirror and
    /// would: do not dump requests).
    public var debugDescription: String {
        self.description
    }
}
