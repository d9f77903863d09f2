import Foundation
import MaiaStandIn
import NIOHTTP1
import Testing

/// Telling stops, reads and list pages apart in the record, and waiting for a count of one kind.
@Suite("Stand-in recorded requests")
struct RecordedRequestTests {
    @Test func requestsAreRecordedWithTheirKind() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            let other = StandInFixture.newID()
            _ = try await f.stop(id)
            _ = try await f.read(id)
            _ = try await f.read(other)
            _ = try await f.read(id)
            _ = try await f.list("status=RUNNING&page=0&size=20")
            _ = try await f.send(.GET, "/elsewhere")
            #expect(f.standIn.requests.map(\.kind) == [.stop, .read, .read, .read, .list, .other])
            #expect(f.standIn.stops(for: id).count == 1)
            #expect(f.standIn.stops(for: other).isEmpty)
            #expect(f.standIn.reads(for: id.uppercased()).map(\.taskStatus) == ["STOPPING", "STOPPED"])
            #expect(f.standIn.requests(.read).count == 3)
            #expect(f.standIn.listRequests.map { $0.query("status") } == ["RUNNING"])
        }
    }

    @Test func waitingForOneKindIgnoresTheOthers() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            let waiter = Task { try await f.standIn.waitForRequests(count: 2, kind: .read, timeout: .seconds(10)) }
            _ = try await f.stop(id)
            _ = try await f.list("status=RUNNING&page=0&size=20")
            _ = try await f.read(id)
            _ = try await f.stop(id)
            _ = try await f.read(id)
            let reads = try await waiter.value
            #expect(reads.count == 2)
            #expect(reads.allSatisfy { $0.kind == .read && $0.taskID == id })
            let stops = try await f.standIn.waitForRequests(count: 2, kind: .stop, taskID: id, timeout: .seconds(10))
            #expect(stops.map(\.answer.finalStatus) == [204, 409])
        }
    }

    @Test func aWaitForOneKindTimesOutCountingOnlyThatKind() async throws {
        try await StandInFixture.with { f async throws in
            let id = StandInFixture.newID()
            _ = try await f.read(id)
            _ = try await f.read(id)
            _ = try await f.stop(id)
            await #expect(throws: MaiaStandInError.timedOut(expected: 2, received: 1)) {
                try await f.standIn.waitForRequests(count: 2, kind: .stop, timeout: .milliseconds(200))
            }
        }
    }
}
