import Foundation
import MaiaStandIn
import TestSupport
import Testing

/// The registry over real HTTP: creation on first mention, stops and their progression, 409s, resumes.
@Suite("Stand-in task registry")
struct TaskRegistryTests {
    @Test func aReadOrAStopOfAnUnseenTaskCreatesItRunningAtTheRegistrysNow() async throws {
        try await StandInFixture.with { f async throws in
            let created = f.clock.now()
            let read = StandInFixture.newID()
            let answer = try await f.read(read)
            #expect(answer.status == 200)
            #expect(answer.taskStatus == "RUNNING")
            #expect(answer.json["createdAt"] as? String == "2026-11-18T11:06:40.000Z")
            #expect(f.standIn.task(read)?.createdAt == created)

            f.clock.advance(by: .seconds(90))
            let stopped = StandInFixture.newID()
            #expect(try await f.stop(stopped).status == 204)
            let task = try #require(f.standIn.task(stopped))
            #expect(task.createdAt == created.addingTimeInterval(90))
            #expect(task.status == "STOPPING")
            #expect(task.projectID == StandInTask.defaultProjectID)
            #expect(Set(f.standIn.tasks.map(\.taskID)) == [read, stopped])
        }
    }

    @Test func withoutCreationOnMentionUnseenTasksAre404ToReadsAndStopsAlwaysGetTheDefault() async throws {
        try await StandInFixture.with(registry: { _ in .setTasksOnly }) { f async throws in
            let id = StandInFixture.newID()
            #expect(try await f.read(id).status == 404)
            #expect(try await f.stop(id).status == 204)
            #expect(try await f.stop(id).status == 204)
            #expect(f.standIn.task(id) == nil)
            // A task set explicitly follows the registry even so.
            let known = StandInFixture.newID()
            f.standIn.setTask(StandInTask(taskID: known, createdAt: f.clock.now()))
            #expect(try await f.stop(known).status == 204)
            #expect(try await f.stop(known).status == 409)
        }
    }

    @Test func anAcceptedStopIsStoppingForOneReadThenStopped() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            f.standIn.setTask(StandInTask(taskID: id, createdAt: f.clock.now()))
            #expect(try await f.readStatuses(id, count: 1) == ["RUNNING"])
            #expect(try await f.stop(id).status == 204)
            #expect(try await f.readStatuses(id, count: 3) == ["STOPPING", "STOPPED", "STOPPED"])
        }
    }

    @Test(arguments: [0, 2, 5])
    func stopProgressCountsReads(_ reads: Int) async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            #expect(try await f.stop(id).status == 204)
            f.standIn.setStopProgress(.reads(reads), for: id)
            let expected = Array(repeating: "STOPPING", count: reads) + ["STOPPED"]
            #expect(try await f.readStatuses(id, count: reads + 1) == expected)
        }
    }

    @Test func theRegistrysProgressionAppliesToTasksWithoutTheirOwn() async throws {
        try await StandInFixture.with(registry: { clock in .init(stopProgress: .reads(2), now: { clock.now() }) }) {
            f async throws in
            let id = StandInFixture.newID()
            #expect(try await f.stop(id).status == 204)
            #expect(try await f.readStatuses(id, count: 3) == ["STOPPING", "STOPPING", "STOPPED"])
        }
    }

    @Test func stopProgressAfterATimeFollowsTheRegistrysClockInReadsAndLists() async throws {
        try await StandInFixture.with(
            registry: { clock in .init(stopProgress: .after(.seconds(30)), now: { clock.now() }) }
        ) { f async throws in
            let id = StandInFixture.newID()
            #expect(try await f.stop(id).status == 204)
            let modified = f.clock.now()
            f.clock.advance(by: .seconds(29))
            #expect(try await f.readStatuses(id, count: 3) == ["STOPPING", "STOPPING", "STOPPING"])
            #expect(try await f.list("status=STOPPING&page=0&size=10").listedIDs == [id])
            f.clock.advance(by: .seconds(1))
            #expect(try await f.list("status=STOPPED&page=0&size=10").listedIDs == [id])
            #expect(try await f.readStatuses(id, count: 1) == ["STOPPED"])
            #expect(f.standIn.task(id)?.modifiedAt == modified.addingTimeInterval(30))
        }
    }

    @Test func aStopOfATaskThatIsNotRunningIs409WithAProblemBody() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            #expect(try await f.stop(id).status == 204)
            let conflict = try await f.stop(id)
            #expect(conflict.status == 409)
            #expect(conflict.contentType == "application/problem+json")
            #expect(conflict.json["status"] as? Int == 409)
            #expect(conflict.json["title"] as? String == "Conflict")
            #expect(conflict.json["detail"] as? String == "Task is not in a running state.")
            #expect(conflict.json["instance"] as? String == "/dpc/v1/ai/agents/tasks/\(id)/stop")
            #expect(conflict.json["type"] as? String == "about:blank")
            #expect(f.standIn.task(id)?.status == "STOPPING")
            for status in ["STOPPED", "ERRORED"] {
                let other = StandInFixture.newID()
                f.standIn.setTask(StandInTask(taskID: other, status: status, createdAt: f.clock.now()))
                #expect(try await f.stop(other).status == 409)
                #expect(f.standIn.task(other)?.status == status)
            }
        }
    }

    @Test func aScriptedStopAnswerWinsOverTheConflict() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            f.standIn.setTask(StandInTask(taskID: id, status: "STOPPED", createdAt: f.clock.now()))
            f.standIn.script(id, [.accepted, .status(503)])
            #expect(try await f.stop(id).status == 204)
            #expect(try await f.stop(id).status == 503)
            #expect(try await f.stop(id).status == 409)
            #expect(f.standIn.task(id)?.status == "STOPPED")
        }
    }

    @Test func aStopNotAnswered204LeavesTheStatusAlone() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            f.standIn.script(id, [.status(502), .status(429, retryAfter: "3")])
            #expect(try await f.stop(id).status == 502)
            #expect(try await f.stop(id).status == 429)
            #expect(try await f.readStatuses(id, count: 2) == ["RUNNING", "RUNNING"])
            f.standIn.setDefault(.status(403))
            #expect(try await f.stop(id).status == 403)
            #expect(try await f.readStatuses(id, count: 1) == ["RUNNING"])
            f.standIn.setDefault(.accepted)
            #expect(try await f.stop(id).status == 204)
            #expect(try await f.readStatuses(id, count: 1) == ["STOPPING"])
        }
    }

    @Test func resumeMakesATaskRunningAgainWithItsCreatedAtKept() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            let created = Date(timeIntervalSince1970: 1_705_314_600)
            f.standIn.setTask(StandInTask(taskID: id, createdAt: created))
            #expect(try await f.stop(id).status == 204)
            #expect(try await f.readStatuses(id, count: 2) == ["STOPPING", "STOPPED"])
            f.clock.advance(by: .seconds(600))
            #expect(f.standIn.resume(id))
            let read = try await f.read(id)
            #expect(read.taskStatus == "RUNNING")
            #expect(read.json["createdAt"] as? String == "2024-01-15T10:30:00.000Z")
            #expect(read.json["modifiedAt"] as? String == "2026-11-18T11:16:40.000Z")
            // Running again, it can be stopped again.
            #expect(try await f.stop(id).status == 204)
            #expect(try await f.readStatuses(id, count: 2) == ["STOPPING", "STOPPED"])
            #expect(!f.standIn.resume(StandInFixture.newID()))
        }
    }
}
