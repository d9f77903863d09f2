import Foundation
import MaiaStandIn
import NIOHTTP1
import Testing

/// `GET …/tasks?status=&page=&size=&projectId=`: pages, totals, filters, validation, scripted failures.
@Suite("Stand-in task list")
struct TaskListTests {
    @Test func twoHundredFiftyTasksComeInThreePagesOfAtMostOneHundred() async throws {
        try await StandInFixture.with { f async throws in
            let ids = f.standIn.addTasks(count: 250)
            #expect(ids.count == 250)
            var seen: [String] = []
            for (page, expected) in [100, 100, 50].enumerated() {
                let answer = try await f.list("status=RUNNING&page=\(page)&size=100")
                #expect(answer.status == 200)
                #expect(answer.contentType == "application/json")
                #expect(answer.json["page"] as? Int == page)
                #expect(answer.json["size"] as? Int == 100)
                #expect(answer.json["total"] as? Int == 250)
                #expect(answer.listedIDs.count == expected)
                seen += answer.listedIDs
            }
            #expect(Set(seen).count == seen.count)
            #expect(Set(seen) == Set(ids))
            #expect(seen == seen.sorted())
            let beyond = try await f.list("status=RUNNING&page=3&size=100")
            #expect(beyond.listedIDs.isEmpty)
            #expect(beyond.json["total"] as? Int == 250)
            let pages = f.standIn.listRequests
            #expect(pages.map { $0.query("page") } == ["0", "1", "2", "3"])
            #expect(pages.allSatisfy { $0.kind == .list && $0.query("size") == "100" })
        }
    }

    @Test func itemsCarryExactlyTheListSchemasFieldsWithoutCreatedAt() async throws {
        try await StandInFixture.with { f async throws in
            f.standIn.addTasks(count: 1, projectID: "p-1")
            let answer = try await f.list("status=RUNNING&page=0&size=1")
            let item = try #require((answer.json["tasks"] as? [[String: Any]])?.first)
            #expect(
                Set(item.keys) == [
                    "taskId", "status", "agentName", "mode", "description", "modifiedAt", "projectId", "branchId",
                ])
            #expect(item["projectId"] as? String == "p-1")
            #expect(Set(answer.json.keys) == ["tasks", "page", "size", "total"])
        }
    }

    @Test func projectAndStatusFiltersNarrowTheListAndItsTotal() async throws {
        try await StandInFixture.with { f async throws in
            let a = f.standIn.addTasks(count: 5, projectID: "p-a")
            let b = f.standIn.addTasks(count: 3, projectID: "p-b")
            f.standIn.addTasks(count: 4, status: "STOPPED", projectID: "p-a")
            let pageA = try await f.list("status=RUNNING&page=0&size=100&projectId=p-a")
            #expect(pageA.listedIDs == a)
            #expect(pageA.json["total"] as? Int == 5)
            let firstB = try await f.list("status=RUNNING&page=0&size=2&projectId=p-b")
            #expect(firstB.listedIDs == Array(b.prefix(2)))
            #expect(firstB.json["total"] as? Int == 3)
            #expect(try await f.list("status=STOPPED&page=0&size=100").json["total"] as? Int == 4)
            #expect(try await f.list("page=0&size=100").json["total"] as? Int == 12)
            #expect(try await f.list("status=RUNNING&page=0&size=100&projectId=elsewhere").listedIDs.isEmpty)
            // A stop changes what a RUNNING list shows.
            #expect(try await f.stop(a[0]).status == 204)
            #expect(try await f.list("status=RUNNING&page=0&size=100&projectId=p-a").listedIDs == Array(a.dropFirst()))
        }
    }

    @Test(arguments: [
        ("status=RUNNING&page=0&size=0", ["size: must be an integer between 1 and 100"]),
        ("status=RUNNING&page=0&size=101", ["size: must be an integer between 1 and 100"]),
        ("status=RUNNING&page=-1&size=10", ["page: must be an integer greater than or equal to 0"]),
        ("status=RUNNING&page=x&size=10", ["page: must be an integer greater than or equal to 0"]),
        (
            "status=RUNNING&page=-1&size=500",
            [
                "page: must be an integer greater than or equal to 0", "size: must be an integer between 1 and 100",
            ]
        ),
    ])
    func aPageOrSizeOutOfRangeIs400NamingTheParameter(_ query: String, _ violations: [String]) async throws {
        try await StandInFixture.with { f async throws in
            f.standIn.addTasks(count: 3)
            let answer = try await f.list(query)
            #expect(answer.status == 400)
            #expect(answer.contentType == "application/problem+json")
            #expect(answer.json["violations"] as? [String] == violations)
            #expect(answer.json["status"] as? Int == 400)
        }
    }

    @Test func theEdgesOfTheSizeRangeAreAccepted() async throws {
        try await StandInFixture.with { f async throws in
            f.standIn.addTasks(count: 120)
            #expect(try await f.list("status=RUNNING&page=0&size=1").listedIDs.count == 1)
            #expect(try await f.list("status=RUNNING&page=0&size=100").listedIDs.count == 100)
        }
    }

    @Test func scriptedListAnswersAreUsedOnePerPage() async throws {
        try await StandInFixture.with { f async throws in
            let ids = f.standIn.addTasks(count: 3)
            f.standIn.scriptList([.status(502), .fromRegistry, .status(429, retryAfter: "2")])
            #expect(try await f.list("status=RUNNING&page=0&size=2").status == 502)
            #expect(try await f.list("status=RUNNING&page=0&size=2").listedIDs == Array(ids.prefix(2)))
            let limited = try await f.list("status=RUNNING&page=1&size=2")
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") == "2")
            #expect(try await f.list("status=RUNNING&page=1&size=2").listedIDs == [ids[2]])
        }
    }
}
