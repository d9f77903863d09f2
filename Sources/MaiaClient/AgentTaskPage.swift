import FoundationEssentials

/// One page of `GET /v1/ai/agents/tasks` (`maia-agent-tasks.openapi.yaml`). List items carry no `createdAt`.
public struct AgentTaskPage: Sendable, Equatable, Decodable {
    /// One list item, reduced to what the daemon uses; unknown fields are ignored.
    public struct Item: Sendable, Equatable, Decodable {
        /// The task's ID as Maia sent it.
        public var taskID: String
        /// The task's status.
        public var status: AgentTaskStatus
        /// The project the task belongs to.
        public var projectID: String?
        /// When the task last changed.
        public var modifiedAt: Date?

        /// Creates an item.
        public init(taskID: String, status: AgentTaskStatus, projectID: String? = nil, modifiedAt: Date? = nil) {
            self.taskID = taskID
            self.status = status
            self.projectID = projectID
            self.modifiedAt = modifiedAt
        }

        private enum CodingKeys: String, CodingKey {
            case taskID = "taskId"
            case status, modifiedAt
            case projectID = "projectId"
        }

        /// Decodes `taskId` and `status` (both required); the other fields are dropped when missing or malformed.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.taskID = try container.decode(String.self, forKey: .taskID)
            self.status = try container.decode(AgentTaskStatus.self, forKey: .status)
            self.projectID = try? container.decodeIfPresent(String.self, forKey: .projectID)
            self.modifiedAt = AgentTask.date(container, .modifiedAt)
        }
    }

    /// The tasks on this page, in no documented order.
    public var tasks: [Item]
    /// This page's number, from 0.
    public var page: Int
    /// Tasks per page.
    public var size: Int
    /// Tasks matching the filter over all pages.
    public var total: Int

    /// Creates a page.
    public init(tasks: [Item], page: Int, size: Int, total: Int) {
        self.tasks = tasks
        self.page = page
        self.size = size
        self.total = total
    }
}
