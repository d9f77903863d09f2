import TestSupport
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// Another store with every change submitted to it counted as it is queued (one for the records saved, one for the
/// IDs removed, as the store queues them), so that a test waits for writes to be queued on an event, not a poll.
final class CountingTaskStore<Base: TaskStore>: TaskStore {
    let base: Base
    /// Writes queued so far.
    let queued = EventCount()

    init(_ base: Base) {
        self.base = base
    }

    func loadAll() async throws -> [TaskRecord] { try await base.loadAll() }

    func submit(saving records: [TaskRecord], removing ids: [TaskID]) -> StoreCommit {
        let commit = base.submit(saving: records, removing: ids)
        // Counted once queued: whoever waits for the count finds them in the base store.
        queued.record((records.isEmpty ? 0 : 1) + (ids.isEmpty ? 0 : 1))
        return commit
    }

    func close() async { await base.close() }

    var recreatedCount: Int { base.recreatedCount }
}
