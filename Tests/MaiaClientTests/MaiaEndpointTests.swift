import Foundation
import Testing

@testable import MaiaClient

/// The endpoints as values: their URLs, and how the task reads decode (`maia-agent-tasks.openapi.yaml`).
@Suite("Maia endpoints")
struct MaiaEndpointTests {
    static let base = "https://eu1.api.matillion.com/dpc"
    static let id = "550e8400-e29b-41d4-a716-446655440000"

    @Test func urls() throws {
        #expect(
            try MaiaEndpoint.stop(taskID: Self.id).url(baseURL: Self.base).get()
                == "\(Self.base)/v1/ai/agents/tasks/\(Self.id)/stop")
        #expect(
            try MaiaEndpoint.task(id: Self.id).url(baseURL: Self.base).get()
                == "\(Self.base)/v1/ai/agents/tasks/\(Self.id)")
        #expect(
            try MaiaEndpoint.runningTasks(page: 0, size: 100).url(baseURL: Self.base).get()
                == "\(Self.base)/v1/ai/agents/tasks?status=RUNNING&page=0&size=100")
        #expect(
            try MaiaEndpoint.runningTasks(page: 3, size: 500, projectID: "p 1&x=y").url(baseURL: Self.base).get()
                == "\(Self.base)/v1/ai/agents/tasks?status=RUNNING&page=3&size=100&projectId=p%201%26x%3Dy")
        #expect(MaiaEndpoint.stop(taskID: "a/b").path.last == .literal("stop"))
        #expect(try MaiaEndpoint.stop(taskID: "a/b").url(baseURL: "").get() == "/v1/ai/agents/tasks/a%2Fb/stop")
        #expect(
            MaiaEndpoint.stop(taskID: "").url(baseURL: Self.base).failure
                == .invalidRequest("the task ID is empty or not encodable"))
        #expect(MaiaEndpoint.stop(taskID: Self.id).method == .POST)
        #expect(MaiaEndpoint.task(id: Self.id).method == .GET)
    }

    @Test func taskReadDecodesTheDocumentedExampleAndIgnoresUnknownFields() throws {
        let body = """
            {"taskId": "\(Self.id)", "status": "STOPPED", "description": "Build a pipeline to load sales data",
             "createdAt": "2024-01-15T10:30:00.000Z", "modifiedAt": "2024-01-15T10:45:00.250Z",
             "agentConfig": {"name": "data_engineer_agent", "mode": "ACT"}, "grantedPermissions": [],
             "pendingDecisions": [], "somethingNew": {"nested": [1, 2]}}
            """
        let task = try MaiaEndpoint.task(id: Self.id).decode(200, Array(body.utf8))
        #expect(task.taskID == Self.id)
        #expect(task.status == .stopped)
        #expect(task.description == "Build a pipeline to load sales data")
        #expect(task.createdAt == Date(timeIntervalSince1970: 1_705_314_600))
        #expect(task.modifiedAt == Date(timeIntervalSince1970: 1_705_315_500.25))
    }

    @Test func unknownStatusesAreKeptAsSent() throws {
        let body = #"{"taskId": "x", "status": "PAUSED", "createdAt": "not a time"}"#
        let task = try MaiaEndpoint.task(id: "x").decode(200, Array(body.utf8))
        #expect(task.status == .unknown("PAUSED"))
        #expect(task.status.description == "PAUSED")
        #expect(task.createdAt == nil)
        #expect(throws: (any Error).self) { try MaiaEndpoint.task(id: "x").decode(200, Array(#"{"status": 1}"#.utf8)) }
    }

    @Test func taskPageDecodes() throws {
        let body = """
            {"tasks": [{"taskId": "\(Self.id)", "status": "RUNNING", "agentName": "data_engineer_agent",
             "mode": "ACT", "description": "d", "modifiedAt": "2024-01-15T10:35:00.000Z",
             "projectId": "550e8400-e29b-41d4-a716-446655440001", "branchId": "main"}],
             "page": 0, "size": 20, "total": 1}
            """
        let page = try MaiaEndpoint.runningTasks(page: 0, size: 20).decode(200, Array(body.utf8))
        #expect(
            page
                == AgentTaskPage(
                    tasks: [
                        .init(
                            taskID: Self.id, status: .running, projectID: "550e8400-e29b-41d4-a716-446655440001",
                            modifiedAt: Date(timeIntervalSince1970: 1_705_314_900))
                    ],
                    page: 0, size: 20, total: 1))
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
