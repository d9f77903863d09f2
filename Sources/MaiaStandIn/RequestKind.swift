/// Which endpoint a recorded request was for, told by its path (whatever its method or answer).
public enum RequestKind: Sendable, Hashable, CustomStringConvertible {
    /// `POST …/v1/ai/agents/tasks/{taskId}/stop`.
    case stop
    /// `GET …/v1/ai/agents/tasks/{taskId}`: a task read.
    case read
    /// `GET …/v1/ai/agents/tasks?…`: a list page.
    case list
    /// The OAuth token endpoint.
    case token
    /// A path the stand-in does not serve.
    case other

    /// `stop`, `read`, `list`, `token` or `other`.
    public var description: String {
        switch self {
        case .stop: return "stop"
        case .read: return "read"
        case .list: return "list"
        case .token: return "token"
        case .other: return "other"
        }
    }
}

extension Endpoint {
    /// The kind a request to this endpoint is recorded with.
    var kind: RequestKind {
        switch self {
        case .stopTask: return .stop
        case .getTask: return .read
        case .listTasks: return .list
        case .token: return .token
        }
    }
}
