import WatchdogCore

/// Where task records live between restarts. A `save` returns only once the records are stored
/// (for a durable store: on disk), so a `watch` is acknowledged only after that.
///
/// `save` and `remove` are `nonisolated(nonsending)`: they run on the caller's executor up to
/// their first suspension, so a store can queue the write in the order the caller (the enforcer
/// actor) made it. Writes made one after the other reach the store in that order.
public protocol TaskStore: Sendable {
    /// Every stored record, at start.
    func loadAll() async throws -> [TaskRecord]
    /// Inserts or replaces records.
    nonisolated(nonsending) func save(_ records: [TaskRecord]) async throws
    /// Drops records (forgotten or past retention).
    nonisolated(nonsending) func remove(_ ids: [TaskID]) async throws
}

/// Keeps records in memory only: nothing survives a restart. For tests; the daemon uses
/// `SQLiteTaskStore`.
public actor InMemoryTaskStore: TaskStore {
    private var records: [TaskID: TaskRecord] = [:]

    public init(_ records: [TaskRecord] = []) {
        for record in records { self.records[record.id] = record }
    }

    public func loadAll() -> [TaskRecord] { Array(records.values) }

    public func save(_ records: [TaskRecord]) {
        for record in records { self.records[record.id] = record }
    }

    public func remove(_ ids: [TaskID]) {
        for id in ids { records[id] = nil }
    }

    public var count: Int { records.count }
}
