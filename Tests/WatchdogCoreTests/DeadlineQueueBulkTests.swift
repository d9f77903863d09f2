import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

@Suite("DeadlineQueue built in one step")
struct DeadlineQueueBulkTests {
    func id(_ n: Int) -> TaskID { TaskID(String(format: "00000000-0000-0000-0000-%012d", n))! }

    /// Built in one step (at start) or pushed one by one, the queue yields the same order: by
    /// time, then by ID, and only what is due.
    @Test func replaceAllYieldsTheSameOrderAsPushes() {
        var rng = SplitMix64(seed: 11)
        let entries = (0..<500).map {
            DeadlineQueue.Entry(at: Date(timeIntervalSince1970: Double(rng.next() % 100)), id: id($0))
        }
        var pushed = DeadlineQueue()
        for entry in entries { pushed.push(entry.id, at: entry.at) }
        var built = DeadlineQueue()
        built.push(id(9999), at: .distantPast)  // replaced, never yielded
        built.replaceAll(with: entries)
        #expect(built.count == entries.count)
        let now = Date(timeIntervalSince1970: 50)
        var fromPushes: [DeadlineQueue.Entry] = []
        var fromBuilt: [DeadlineQueue.Entry] = []
        while let entry = pushed.popDue(now: now) { fromPushes.append(entry) }
        while let entry = built.popDue(now: now) { fromBuilt.append(entry) }
        #expect(fromBuilt == fromPushes)
        #expect(fromBuilt == entries.filter { $0.at <= now }.sorted())
        #expect(built.earliest.map { $0 > now } == true)
    }
}
