import Foundation
import Testing
import WatchdogCore
import WatchdogProtocol

@Suite("DeadlineQueue")
struct DeadlineQueueTests {
    @Test func popsInOrderOnlyWhenDue() {
        var queue = DeadlineQueue()
        let base = Date(timeIntervalSince1970: 1000)
        let ids = (0..<5).map { TaskID("00000000-0000-0000-0000-00000000000\($0)")! }
        for (offset, id) in zip([30.0, 10, 20, 10, 50], ids) { queue.push(id, at: base.addingTimeInterval(offset)) }
        #expect(queue.earliest == base.addingTimeInterval(10))
        var popped: [TaskID] = []
        while let entry = queue.popDue(now: base.addingTimeInterval(25)) { popped.append(entry.id) }
        #expect(popped == [ids[1], ids[3], ids[2]])
        #expect(queue.count == 2)
        #expect(queue.earliest == base.addingTimeInterval(30))
    }
}
