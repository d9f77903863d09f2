/// One Maia API operation: its method, path, query, what it accepts, and how a 2xx body decodes.
///
/// An endpoint is a value, so a new operation is one static function (``stop(taskID:)`` here, the task reads in
/// `MaiaEndpoint+Tasks.swift`) and nothing else: ``MaiaAPIClient`` adds the base URL, the token, the timeout, the
/// 401 handling and the outcome, and the transport sends what it is given.
public struct MaiaEndpoint<Success: Sendable>: Sendable {
    /// One part of the path below the base URL.
    public enum Segment: Sendable, Equatable {
        /// A fixed part, e.g. `tasks`.
        case literal(String)
        /// A value, percent-encoded as one segment (a `/` in it cannot open another level); `name` is for the error
        /// when it is empty.
        case parameter(name: String, value: String)
    }

    /// The method.
    public var method: MaiaRequest.Method
    /// The path below the base URL, e.g. `v1`, `ai`, `agents`, `tasks`, the task ID, `stop`.
    public var path: [Segment]
    /// Query parameters in order, unencoded.
    public var query: [(name: String, value: String)]
    /// The `Accept` header.
    public var accept: String
    /// Whether a body is sent (an empty one, `Content-Length: 0`, for a POST without content).
    public var sendsEmptyBody: Bool
    /// The queue its requests wait in at the shared rate limit: ``RequestLane/stop`` for the stop,
    /// ``RequestLane/read`` for a task read, ``RequestLane/list`` for a list page.
    public var lane: RequestLane
    /// Decodes a 2xx body; throwing makes the outcome ``MaiaOutcome/failed(reason:)`` with the error's text.
    public var decode: @Sendable (_ status: Int, _ body: [UInt8]) throws -> Success

    /// Creates an endpoint. `lane` defaults to ``RequestLane/read``, so that an operation that names no lane never
    /// goes before a stop.
    public init(
        method: MaiaRequest.Method,
        path: [Segment],
        query: [(name: String, value: String)] = [],
        accept: String,
        sendsEmptyBody: Bool = false,
        lane: RequestLane = .read,
        decode: @escaping @Sendable (_ status: Int, _ body: [UInt8]) throws -> Success
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.accept = accept
        self.sendsEmptyBody = sendsEmptyBody
        self.lane = lane
        self.decode = decode
    }

    /// The full URL below `baseURL` (no trailing slash), or the reason it cannot be built.
    func url(baseURL: String) -> Result<String, MaiaTransportError> {
        var url = baseURL
        for segment in self.path {
            switch segment {
            case .literal(let text):
                url += "/" + text
            case .parameter(let name, let value):
                guard let encoded = PercentEncoding.pathSegment(value) else {
                    return .failure(.invalidRequest("the \(name) is empty or not encodable"))
                }
                url += "/" + encoded
            }
        }
        if !self.query.isEmpty {
            url += "?"
            url += self.query.map {
                PercentEncoding.queryComponent($0.name) + "=" + PercentEncoding.queryComponent($0.value)
            }.joined(separator: "&")
        }
        return .success(url)
    }
}

/// The decoded body of an endpoint that answers without content (the stop's 204).
public struct NoContent: Sendable, Equatable {
    /// Creates the value.
    public init() {}
}

extension MaiaEndpoint where Success == NoContent {
    /// Stop an AI agent task: `POST /v1/ai/agents/tasks/{taskId}/stop`, answered 204 without a body
    /// (`maia-stop-task.openapi.yaml`). `taskID` is a validated, lower-case task ID. Its requests wait in the
    /// ``RequestLane/stop`` lane, before any waiting read.
    public static func stop(taskID: String) -> MaiaEndpoint<NoContent> {
        MaiaEndpoint(
            method: .POST,
            path: Self.tasksPath + [.parameter(name: "task ID", value: taskID), .literal("stop")],
            accept: "application/problem+json",
            sendsEmptyBody: true,
            lane: .stop,
            decode: { _, _ in NoContent() }
        )
    }
}

extension MaiaEndpoint {
    /// `/v1/ai/agents/tasks`, the root of every AI agent task operation.
    static var tasksPath: [Segment] {
        ["v1", "ai", "agents", "tasks"].map { .literal($0) }
    }
}
