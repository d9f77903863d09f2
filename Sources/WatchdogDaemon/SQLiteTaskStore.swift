import Dispatch
import Foundation
import Synchronization
import WatchdogCore

/// The durable `TaskStore`: one SQLite file (`tasks.sqlite3`) in the state directory, in WAL mode
/// with `synchronous=FULL`, through the system libsqlite3.
///
/// **Durability.** `synchronous=FULL` makes every commit fsync the WAL, so a committed record
/// survives a power cut or reboot, not only a crash of the process. (`NORMAL` would be durable
/// against `kill -9` but could lose the last commits on power loss, which the contract forbids.)
///
/// **Threads.** Every SQLite call runs on the store's own serial `DispatchQueue`, never on the
/// Swift cooperative pool, so an fsync blocks neither the enforcer nor the control socket.
///
/// **Group commit.** `save` and `remove` append their operation to a pending list and suspend.
/// The queue drains the list in batches: everything pending when a batch starts goes into one
/// transaction, and every caller in it is resumed once that transaction has committed (or with
/// its error). While one fsync runs, new operations pile up for the next batch, so a burst of
/// thousands of watches costs a handful of fsyncs, and no reply waits for more than about two.
///
/// **Order.** `save` and `remove` are `nonisolated(nonsending)`: the operation is queued
/// synchronously on the caller's executor before it suspends, so two writes made one after the
/// other by the enforcer actor reach the file in that order, whatever else runs concurrently.
public final class SQLiteTaskStore: TaskStore {
    /// The file's name inside the state directory.
    public static let fileName = "tasks.sqlite3"

    /// The path of the store file.
    public let path: String
    private let queue: DispatchQueue
    private let writer: SQLiteTaskWriter
    private let pending = Mutex(Pending())
    private let transactions = Atomic<Int>(0)

    private struct Batch {
        var operations: [SQLiteTaskWriter.Operation]
        var waiters: [CheckedContinuation<Void, any Error>]
    }

    private struct Pending: ~Copyable {
        var operations: [SQLiteTaskWriter.Operation] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var draining = false
    }

    private init(path: String, queue: DispatchQueue, writer: SQLiteTaskWriter) {
        self.path = path
        self.queue = queue
        self.writer = writer
    }

    /// Opens (creating if missing) the store in `directory`, which is created with mode 0700 if
    /// it does not exist. Checks the file's integrity and schema and migrates an older schema.
    /// Throws `TaskStoreError`; never discards what it cannot read.
    public static func open(directory: String) async throws -> SQLiteTaskStore {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let queue = DispatchQueue(label: "maia-watchdog.task-store")
        let writer = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result { () throws(TaskStoreError) -> SQLiteTaskWriter in
                        try createDirectory(directory)
                        return try SQLiteTaskWriter(path: path)
                    })
            }
        }
        return SQLiteTaskStore(path: path, queue: queue, writer: writer)
    }

    public func loadAll() async throws -> [TaskRecord] {
        let writer = self.writer
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { () throws(TaskStoreError) in try writer.loadAll() }) }
        }
    }

    public nonisolated(nonsending) func save(_ records: [TaskRecord]) async throws {
        guard !records.isEmpty else { return }
        try await submit(.save(records))
    }

    public nonisolated(nonsending) func remove(_ ids: [TaskID]) async throws {
        guard !ids.isEmpty else { return }
        try await submit(.remove(ids))
    }

    /// Closes the file once the pending writes are done. Later calls fail.
    public func close() async {
        let writer = self.writer
        await withCheckedContinuation { continuation in
            queue.async {
                writer.close()
                continuation.resume()
            }
        }
    }

    /// How many transactions have committed (or failed): fewer than the writes when grouped.
    public var transactionCount: Int { transactions.load(ordering: .relaxed) }

    // MARK: group commit

    private nonisolated(nonsending) func submit(_ operation: SQLiteTaskWriter.Operation) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startDrain = pending.withLock { pending in
                pending.operations.append(operation)
                pending.waiters.append(continuation)
                guard !pending.draining else { return false }
                pending.draining = true
                return true
            }
            if startDrain { queue.async { self.drain() } }
        }
    }

    /// Runs on `queue`: commits whatever is pending, one transaction per batch, until nothing is.
    private func drain() {
        while true {
            let batch = pending.withLock { pending -> Batch? in
                guard !pending.operations.isEmpty else {
                    pending.draining = false
                    return nil
                }
                defer {
                    pending.operations = []
                    pending.waiters = []
                }
                return Batch(operations: pending.operations, waiters: pending.waiters)
            }
            guard let batch else { return }
            let (operations, waiters) = (batch.operations, batch.waiters)
            let result = Result { () throws(TaskStoreError) in try writer.commit(operations) }
            transactions.wrappingAdd(1, ordering: .relaxed)
            for waiter in waiters { waiter.resume(with: result.mapError { $0 as any Error }) }
        }
    }

    // MARK: test support

    /// Runs `body` on the store's queue, holding it: writes submitted meanwhile wait and then go
    /// into one batch. For tests of the group commit.
    func withQueueHeld(_ body: @escaping @Sendable () -> Void) {
        queue.async { body() }
    }

    /// Writes queued and not yet taken into a batch.
    var pendingCount: Int { pending.withLock { $0.operations.count } }

    private static func createDirectory(_ directory: String) throws(TaskStoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw .unreadable(path: directory, reason: "the state directory is not a directory")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .unreadable(path: directory, reason: "cannot create the state directory: \(error)")
        }
    }
}
