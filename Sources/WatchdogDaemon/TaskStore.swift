import WatchdogCore
import WatchdogProtocol

/// Where task records live between restarts.
///
/// `submit` queues changes synchronously, in call order, and returns their `StoreCommit`: the
/// enforcer queues a write while it holds its actor, so writes reach the store in the order the
/// records changed, and may then wait for the commit (a `watch` is acknowledged only after it)
/// or go on without waiting (a stop attempt starts while its record's write is committed).
public protocol TaskStore: Sendable {
    /// Every stored record, at start.
    func loadAll() async throws -> [TaskRecord]
    /// Queues inserts or replacements of `saving`, then drops `removing` (forgotten or past
    /// retention), after every change queued before.
    func submit(saving: [TaskRecord], removing: [TaskID]) -> StoreCommit
    /// Finishes the pending writes and releases the store (at shutdown); later writes fail.
    func close() async
    /// How many times the store found its file deleted or replaced and wrote it afresh (`status`).
    var recreatedCount: Int { get }
}

extension TaskStore {
    /// Inserts or replaces records and returns once they are committed.
    public nonisolated(nonsending) func save(_ records: [TaskRecord]) async throws {
        try await submit(saving: records, removing: []).wait()
    }

    /// Drops records and returns once that is committed.
    public nonisolated(nonsending) func remove(_ ids: [TaskID]) async throws {
        try await submit(saving: [], removing: ids).wait()
    }
}
