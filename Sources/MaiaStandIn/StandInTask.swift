import Foundation

/// A task as the stand-in's read endpoints describe it (`maia-agent-tasks.openapi.yaml`).
public struct StandInTask: Sendable, Equatable {
    /// The task's ID.
    public var taskID: String
    /// Its status as sent: `RUNNING`, `STOPPING`, `STOPPED`, `ERRORED`, or anything else.
    public var status: String
    /// `createdAt`, sent with millisecond precision.
    public var createdAt: Date
    /// `modifiedAt`.
    public var modifiedAt: Date
    /// `projectId`.
    public var projectID: String

    /// The `projectId` of tasks made without one (the OpenAPI examples' project).
    public static let defaultProjectID = "550e8400-e29b-41d4-a716-446655440001"

    /// Creates a task.
    public init(
        taskID: String, status: String = "RUNNING", createdAt: Date, modifiedAt: Date? = nil,
        projectID: String = StandInTask.defaultProjectID
    ) {
        self.taskID = taskID
        self.status = status
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt ?? createdAt
        self.projectID = projectID
    }

    /// The task's JSON: the full read (with fields the daemon ignores), or a list item (no `createdAt`).
    func json(summary: Bool) -> [UInt8] {
        var object: [String: Any] = [
            "taskId": self.taskID, "status": self.status, "description": "Build a pipeline to load sales data",
            "modifiedAt": Self.format(self.modifiedAt),
        ]
        if summary {
            object["agentName"] = "data_engineer_agent"
            object["mode"] = "ACT"
            object["projectId"] = self.projectID
            object["branchId"] = "main"
        } else {
            object["createdAt"] = Self.format(self.createdAt)
            object["agentConfig"] = ["name": "data_engineer_agent", "mode": "ACT", "projectId": self.projectID]
            object["grantedPermissions"] = [Any]()
            object["pendingDecisions"] = [Any]()
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Array(data)
    }

    /// `2024-01-15T10:30:00.000Z`.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
