import Foundation
import MaiaStandIn
import NIOHTTP1
import TestSupport
import Testing

/// Scripted statuses and read answers, missing tasks, and statuses Maia's OpenAPI does not list.
@Suite("Stand-in scripted reads")
struct ScriptedReadTests {
    @Test func scriptedStatusesAreTakenOnePerReadThenTheLastOneStays() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            f.standIn.scriptStatuses(id, ["RUNNING", "RUNNING", "STOPPED"])
            #expect(f.standIn.task(id)?.status == "RUNNING")
            #expect(try await f.readStatuses(id, count: 4) == ["RUNNING", "RUNNING", "STOPPED", "STOPPED"])
            #expect(f.standIn.task(id)?.status == "STOPPED")
            #expect(f.standIn.reads(for: id).map(\.taskStatus) == ["RUNNING", "RUNNING", "STOPPED", "STOPPED"])
        }
    }

    @Test func statusesTheOpenAPIDoesNotListArePassedThroughAsText() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            f.standIn.scriptStatuses(id, ["PAUSED"])
            let read = try await f.read(id)
            #expect(read.body.contains(#""status":"PAUSED""#))
            #expect(try await f.list("status=PAUSED&page=0&size=5").listedIDs == [id])
            #expect(try await f.list("status=RUNNING&page=0&size=5").listedIDs == [])
            f.standIn.setStatus(id, "WAITING_FOR_APPROVAL")
            #expect(try await f.readStatuses(id, count: 1) == ["WAITING_FOR_APPROVAL"])
        }
    }

    @Test func scriptedReadAnswersInterleaveWithAnswersFromTheRegistry() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            f.standIn.scriptReads(
                id, [.status(502), .status(429, retryAfter: "3"), .fromRegistry, .status(500, detail: "boom")])
            let upstream = try await f.read(id)
            #expect(upstream.status == 502)
            #expect(upstream.contentType == "application/problem+json")
            #expect(upstream.json["status"] as? Int == 502)
            let limited = try await f.read(id)
            #expect(limited.status == 429)
            #expect(limited.headers.first(name: "Retry-After") == "3")
            #expect(try await f.read(id).taskStatus == "RUNNING")
            let failed = try await f.read(id)
            #expect(failed.status == 500)
            #expect(failed.json["detail"] as? String == "boom")
            #expect(try await f.readStatuses(id, count: 1) == ["RUNNING"])
            #expect(f.standIn.reads(for: id).map(\.answer.finalStatus) == [502, 429, 200, 500, 200])
        }
    }

    @Test func failedReadsDoNotCountTowardTheStopProgression() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            #expect(try await f.stop(id).status == 204)
            f.standIn.scriptReads(id, [.status(502), .fromRegistry, .status(504)])
            #expect(try await f.readStatuses(id, count: 4) == [nil, "STOPPING", nil, "STOPPED"])
        }
    }

    @Test func aHeldReadAnswersFromTheRegistryWhenReleased() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            f.standIn.scriptReads(id, [.held(.fromRegistry)])
            let pending = Task { try await f.read(id) }
            let reads = try await f.standIn.waitForRequests(count: 1, kind: .read, timeout: .seconds(10))
            #expect(reads.map(\.taskID) == [id])
            #expect(f.standIn.heldCount == 1)
            f.standIn.releaseHeld()
            let answer = try await pending.value
            #expect(answer.status == 200)
            #expect(answer.taskStatus == "RUNNING")
        }
    }

    @Test func aRemovedTaskIs404ToReadsAndStopsAndIsNotCreatedAgain() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            let other = StandInFixture.newID()
            #expect(try await f.read(id).status == 200)
            #expect(try await f.read(other).status == 200)
            f.standIn.removeTask(id)
            for _ in 0..<2 {
                let read = try await f.read(id)
                #expect(read.status == 404)
                #expect(read.contentType == "application/problem+json")
                #expect(read.json["detail"] as? String == "Task not found.")
                let stop = try await f.stop(id)
                #expect(stop.status == 404)
                #expect(stop.json["instance"] as? String == "/dpc/v1/ai/agents/tasks/\(id)/stop")
            }
            #expect(f.standIn.task(id) == nil)
            #expect(!f.standIn.resume(id))
            #expect(try await f.list("page=0&size=10").listedIDs == [other])
            // A task never seen can be marked missing too.
            let never = StandInFixture.newID()
            f.standIn.removeTask(never)
            #expect(try await f.stop(never).status == 404)
            // Setting it brings it back.
            f.standIn.setTask(StandInTask(taskID: id, createdAt: f.clock.now()))
            #expect(try await f.readStatuses(id, count: 1) == ["RUNNING"])
        }
    }

    @Test func aReadOfATaskIDThatIsNotAUUIDIs400() async throws {
        try await StandInFixture.with { f async throws in
            let answer = try await f.read("not-a-uuid")
            #expect(answer.status == 400)
            #expect(answer.json["violations"] as? [String] == ["taskId: must be a valid UUID"])
            #expect(f.standIn.tasks.isEmpty)
        }
    }
}
