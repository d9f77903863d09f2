import FoundationEssentials
import WatchdogCore
import WatchdogProtocol

/// An AI agent task as `GET /v1/ai/agents/tasks/{taskId}` describes it (`maia-agent-tasks.openapi.yaml`), reduced to
/// what the daemon uses. Unknown fields are ignored; times are RFC 3339 (`2024-01-15T10:30:00.000Z`).
public struct AgentTask: Sendable, Equatable, Decodable {
    /// The task's ID as Maia sent it.
    public var taskID: String
    /// The task's status.
    public var status: AgentTaskStatus
    /// What the agent was asked to do.
    public var description: String?
    /// When the task was created (a resumed task keeps it).
    public var createdAt: Date?
    /// When the task last changed.
    public var modifiedAt: Date?

    /// Creates a task.
    public init(
        taskID: String, status: AgentTaskStatus, description: String? = nil, createdAt: Date? = nil,
        modifiedAt: Date? = nil
    ) {
        self.taskID = taskID
        self.status = status
        self.description = description
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    private enum CodingKeys: String, CodingKey {
        case taskID = "taskId"
        case status, description, createdAt, modifiedAt
    }

    /// Decodes `taskId` and `status` (both required); the other fields are dropped when missing or malformed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.taskID = try container.decode(String.self, forKey: .taskID)
        self.status = try container.decode(AgentTaskStatus.self, forKey: .status)
        self.description = try? container.decodeIfPresent(String.self, forKey: .description)
        self.createdAt = AgentTask.date(container, .createdAt)
        self.modifiedAt = AgentTask.date(container, .modifiedAt)
    }

    static func date<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) -> Date? {
        (try? container.decodeIfPresent(String.self, forKey: key)).flatMap { $0.flatMap(RFC3339.parse) }
    }
}

/// A task's status. A status the daemon does not know is kept as sent (``unknown(_:)``); the caller logs it and
/// treats it like RUNNING.
public enum AgentTaskStatus: Sendable, Equatable, Decodable, CustomStringConvertible {
    case running
    case stopping
    case stopped
    case errored
    /// Any other status, as Maia sent it.
    case unknown(String)

    /// The status for Maia's text.
    public init(_ text: String) {
        switch text {
        case "RUNNING": self = .running
        case "STOPPING": self = .stopping
        case "STOPPED": self = .stopped
        case "ERRORED": self = .errored
        default: self = .unknown(text)
        }
    }

    /// Decodes the status string.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    /// The status as Maia sends it.
    public var description: String {
        switch self {
        case .running: return "RUNNING"
        case .stopping: return "STOPPING"
        case .stopped: return "STOPPED"
        case .errored: return "ERRORED"
        case .unknown(let text): return text
        }
    }
}
