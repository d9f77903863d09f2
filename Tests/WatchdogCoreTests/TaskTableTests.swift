import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

@Suite("TaskTable")
struct TaskTableTests {
    func record(_ n: Int, _ state: TaskState) -> TaskRecord {
        let now = Date(timeIntervalSince1970: 0)
        return TaskRecord(
            id: TaskID(String(format: "00000000-0000-0000-0000-%012d", n))!, state: state, watchedAt: now,
            startedAt: now, deadline: nil, maxRuntime: nil, updatedAt: now, requestedBy: Requester(uid: 0, pid: 1))
    }

    /// The counts always equal a walk over the records, whatever sequence of changes led there.
    @Test func countsFollowEveryChange() {
        var table = TaskTable()
        var rng = SplitMix64(seed: 5)
        let states = TaskState.allCases.filter { $0 != .forgotten }
        for _ in 0..<2000 {
            let n = Int.random(in: 0..<50, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: table.removeValue(forKey: record(n, .watching).id)
            case 1: table[record(n, .watching).id] = nil
            default: table[record(n, .watching).id] = record(n, states.randomElement(using: &rng)!)
            }
            var walked: [TaskState: Int] = [:]
            for (_, value) in table { walked[value.state, default: 0] += 1 }
            #expect(table.counts == walked)
        }
        #expect(table.count == table.values.count)
    }
}
