import FoundationEssentials

extension MaiaEndpoint where Success == AgentTask {
    /// Get an AI agent task: `GET /v1/ai/agents/tasks/{taskId}`, answered 200 with the task. Its requests wait in the
    /// ``RequestLane/read`` lane: after waiting stops, before waiting list pages.
    public static func task(id taskID: String) -> MaiaEndpoint<AgentTask> {
        MaiaEndpoint(
            method: .GET,
            path: Self.tasksPath + [.parameter(name: "task ID", value: taskID)],
            accept: "application/json, application/problem+json",
            lane: .read,
            decode: { _, body in try JSONDecoder().decode(AgentTask.self, from: Data(body)) }
        )
    }
}

extension MaiaEndpoint where Success == AgentTaskPage {
    /// List running AI agent tasks: `GET /v1/ai/agents/tasks?status=RUNNING&page=N&size=S[&projectId=P]`, always with
    /// `page` (from 0) and `size` (1–100, clamped). Its requests wait in the ``RequestLane/list`` lane, after every
    /// waiting stop and task read.
    public static func runningTasks(page: Int, size: Int, projectID: String? = nil) -> MaiaEndpoint<AgentTaskPage> {
        var query: [(name: String, value: String)] = [
            ("status", "RUNNING"), ("page", String(max(0, page))), ("size", String(min(100, max(1, size)))),
        ]
        if let projectID {
            query.append(("projectId", projectID))
        }
        return MaiaEndpoint(
            method: .GET,
            path: Self.tasksPath,
            query: query,
            accept: "application/json, application/problem+json",
            lane: .list,
            decode: { _, body in try JSONDecoder().decode(AgentTaskPage.self, from: Data(body)) }
        )
    }
}
