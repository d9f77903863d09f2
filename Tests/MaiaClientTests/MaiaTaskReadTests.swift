import Foundation
import MaiaClient
import MaiaStandIn
import Testing

/// The task read and the task list through `MaiaAPIClient` over loopback HTTP to the stand-in. Not wired into the
/// daemon yet: these pin the endpoints' requests and decoding for the next issue.
@Suite("Task reads against the stand-in")
struct MaiaTaskReadTests {
    static let created = Date(timeIntervalSince1970: 1_705_314_600.25)

    @Test func taskReadDecodesTheTask() async throws {
        try await Fixture.with { fixture in
            fixture.standIn.setTask(StandInTask(taskID: Fixture.taskID, status: "STOPPING", createdAt: Self.created))
            let outcome = await fixture.client.send(.task(id: Fixture.taskID))
            guard case .succeeded(200, let task) = outcome else {
                Issue.record("expected 200, got \(outcome)")
                return
            }
            #expect(task.taskID == Fixture.taskID)
            #expect(task.status == .stopping)
            #expect(abs((task.createdAt ?? .distantPast).timeIntervalSince(Self.created)) < 0.000_5)
            let request = try #require(try await fixture.standIn.waitForRequests(count: 1, timeout: .seconds(5)).first)
            #expect(request.method == "GET")
            #expect(request.path == "/dpc/v1/ai/agents/tasks/\(Fixture.taskID)")
            #expect(request.bearerToken == "test-token")
            #expect(
                request.headers.first { $0.name.lowercased() == "accept" }?.value.contains("application/json") == true)
        }
    }

    @Test func unknownTaskIs404AndStatusesTheClientDoesNotKnowAreKept() async throws {
        try await Fixture.with { fixture in
            let missing = await fixture.client.send(.task(id: Fixture.taskID))
            #expect(missing.status == 404)
            fixture.standIn.setTask(StandInTask(taskID: Fixture.taskID, status: "PAUSED", createdAt: Self.created))
            guard case .succeeded(_, let task) = await fixture.client.send(.task(id: Fixture.taskID)) else {
                Issue.record("expected a task")
                return
            }
            #expect(task.status == .unknown("PAUSED"))
        }
    }

    @Test func listPagesAlwaysSendPageAndSize() async throws {
        try await Fixture.with { fixture in
            let ids = (1...3).map { "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a1\($0)" }
            for id in ids {
                fixture.standIn.setTask(StandInTask(taskID: id, createdAt: Self.created, projectID: "p1"))
            }
            fixture.standIn.setTask(
                StandInTask(taskID: "0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a19", status: "STOPPED", createdAt: Self.created))
            var seen: [String] = []
            for page in 0..<2 {
                guard case .succeeded(200, let result) = await fixture.client.send(.runningTasks(page: page, size: 2))
                else {
                    Issue.record("page \(page) failed")
                    return
                }
                #expect(result.page == page)
                #expect(result.size == 2)
                #expect(result.total == 3)
                seen += result.tasks.map(\.taskID)
                #expect(result.tasks.allSatisfy { $0.status == .running && $0.projectID == "p1" })
            }
            #expect(seen.sorted() == ids)
            guard
                case .succeeded(_, let filtered) = await fixture.client.send(
                    .runningTasks(page: 0, size: 100, projectID: "elsewhere"))
            else {
                Issue.record("the filtered page failed")
                return
            }
            #expect(filtered.tasks.isEmpty)
            let paths = try await fixture.standIn.waitForRequests(count: 3, timeout: .seconds(5)).map(\.path)
            #expect(
                paths == [
                    "/dpc/v1/ai/agents/tasks?status=RUNNING&page=0&size=2",
                    "/dpc/v1/ai/agents/tasks?status=RUNNING&page=1&size=2",
                    "/dpc/v1/ai/agents/tasks?status=RUNNING&page=0&size=100&projectId=elsewhere",
                ])
        }
    }

    @Test func aRefusedTokenOnAReadIsInvalidatedLikeAStop() async throws {
        try await Fixture.with(acceptedTokens: []) { fixture in
            fixture.standIn.setTask(StandInTask(taskID: Fixture.taskID, createdAt: Self.created))
            #expect(await fixture.client.send(.task(id: Fixture.taskID)).status == 401)
            fixture.standIn.setAcceptedTokens(["test-token"])
            // The refused token is re-read from its file (the same value): the retry with a fresh token succeeds.
            #expect(await fixture.client.send(.task(id: Fixture.taskID), freshToken: true).status == 200)
        }
    }
}
