import Synchronization
import TestSupport
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// Another store with every change submitted to it counted as it is queued (one for the records saved, one for the
/// IDs removed, as the store queues them), so that a test waits for writes to be queued on an event, not a poll.
/// It keeps the commit handle each change got: a store that group-commits hands one handle to every change of a batch
/// (`StoreCommit`), so the distinct handles are the transactions those changes took.
final class CountingTaskStore<Base: TaskStore>: TaskStore {
    let base: Base
    /// Writes queued so far.
    let queued = EventCount()
    private let handles = Mutex<[StoreCommit]>([])

    init(_ base: Base) {
        self.base = base
    }

    func loadAll() async throws -> [TaskRecord] { try await base.loadAll() }

    func submit(saving records: [TaskRecord], removing ids: [TaskID]) -> StoreCommit {
        let commit = base.submit(saving: records, removing: ids)
        handles.withLock { $0.append(commit) }
        // Counted once queued: whoever waits for the count finds them in the base store.
        queued.record((records.isEmpty ? 0 : 1) + (ids.isEmpty ? 0 : 1))
        return commit
    }

    func close() async { await base.close() }

    /// How many submits so far (each got one handle).
    var submits: Int { handles.withLock { $0.count } }

    /// The distinct commit handles of the submits after the first `skipping`: how many transactions they went into.
    /// The handles are kept alive here, so no two of them share an identity.
    func commits(after skipping: Int = 0) -> Int {
        handles.withLock { Set($0.dropFirst(skipping).map(ObjectIdentifier.init)).count }
    }

    var recreatedCount: Int { base.recreatedCount }
}
