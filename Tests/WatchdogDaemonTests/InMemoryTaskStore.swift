import Synchronization
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// Keeps records in memory only: nothing survives a restart. The daemon uses `SQLiteTaskStore`.
final class InMemoryTaskStore: TaskStore {
    private let records: Mutex<[TaskID: TaskRecord]>

    init(_ records: [TaskRecord] = []) {
        self.records = Mutex(Dictionary(records.map { ($0.id, $0) }) { $1 })
    }

    func loadAll() -> [TaskRecord] { records.withLock { Array($0.values) } }

    func submit(saving: [TaskRecord], removing: [TaskID]) -> StoreCommit {
        records.withLock { records in
            for record in saving { records[record.id] = record }
            for id in removing { records[id] = nil }
        }
        return .done()
    }

    func close() async {}

    var recreatedCount: Int { 0 }

    var count: Int { records.withLock { $0.count } }
}
