import Dispatch
import FoundationEssentials
import Glibc
import Logging
import Synchronization
import SystemPackage
import WatchdogCore
import WatchdogProtocol

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
/// **Group commit.** `submit` appends its operations to a pending list and returns the pending
/// batch's `StoreCommit`. The queue drains the list in batches: everything pending when a batch
/// starts goes into one transaction, and its commit completes once that transaction has
/// committed (or with its error), so one handle stands for one transaction. While one fsync runs, new operations pile
/// up for the next batch, so a burst of thousands of watches costs a handful of fsyncs, and no reply waits for more
/// than about two. (The tests hold the file's write lock from a second connection to see that from outside.)
///
/// **Order.** `submit` queues synchronously, so two writes made one after the other by the
/// enforcer actor reach the file in that order, whatever else runs concurrently.
///
/// **A file deleted or replaced under it.** Before each batch (and at close) the store checks that the path
/// still names the file it has open; if not, it writes every record into a fresh store at the path
/// (`SQLiteTaskWriter.recreateIfReplaced`) before that batch commits, so nothing acknowledged after the deletion
/// is acknowledged without being on disk there. Logged at `crit` (event `store_recreated`) and counted in
/// ``recreatedCount``.
public final class SQLiteTaskStore: TaskStore {
    /// The file's name inside the state directory.
    public static let fileName = "tasks.sqlite3"

    /// The path of the store file.
    public let path: String
    private let queue: DispatchQueue
    private let writer: SQLiteTaskWriter
    private let pending = Mutex(Pending())
    private let recreations = Atomic<Int>(0)
    private let logger: Logger
    /// Counts transactions and times them (`store_commits_total`, `store_commit_seconds`).
    private let metrics: DaemonMetrics?

    private struct Pending: ~Copyable {
        var operations: [SQLiteTaskWriter.Operation] = []
        /// The commit every operation queued since the last batch started belongs to.
        var commit = StoreCommit()
        var draining = false
    }

    private init(
        path: String, queue: DispatchQueue, writer: SQLiteTaskWriter, logger: Logger, metrics: DaemonMetrics?
    ) {
        self.path = path
        self.queue = queue
        self.writer = writer
        self.logger = logger
        self.metrics = metrics
    }

    /// Opens (creating if missing) the store in `directory`, which is created with mode 0700 if
    /// it does not exist. Checks the file's integrity and schema and migrates an older schema.
    /// Throws `TaskStoreError`; never discards what it cannot read.
    public static func open(
        directory: String, logger: Logger, metrics: DaemonMetrics? = nil
    ) async throws -> SQLiteTaskStore {
        let path = FilePath(directory).appending(fileName).string
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
        return SQLiteTaskStore(path: path, queue: queue, writer: writer, logger: logger, metrics: metrics)
    }

    public func loadAll() async throws -> [TaskRecord] {
        let writer = self.writer
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { () throws(TaskStoreError) in try writer.loadAll() }) }
        }
    }

    /// `PRAGMA name` on the writer's connection, asked on the writer's queue (see ``SQLiteTaskWriter/pragma(_:)``).
    func writerPragma(_ name: String) async throws -> Int64? {
        let writer = self.writer
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { () throws(TaskStoreError) in try writer.pragma(name) }) }
        }
    }

    public func submit(saving records: [TaskRecord], removing ids: [TaskID]) -> StoreCommit {
        var operations: [SQLiteTaskWriter.Operation] = []
        if !records.isEmpty { operations.append(.save(records)) }
        if !ids.isEmpty { operations.append(.remove(ids)) }
        guard !operations.isEmpty else { return .done() }
        let (commit, startDrain) = pending.withLock { pending in
            pending.operations += operations
            defer { pending.draining = true }
            return (pending.commit, !pending.draining)
        }
        if startDrain { queue.async { self.drain() } }
        return commit
    }

    /// Closes the file once the pending writes are done. Later calls fail.
    public func close() async {
        let writer = self.writer
        await withCheckedContinuation { continuation in
            queue.async {
                // The records go where the next start will look for them, even if the file was deleted since.
                _ = try? self.recreateIfReplaced()
                // The last connection to close folds the write-ahead log into the file and removes it.
                writer.close()
                continuation.resume()
            }
        }
    }

    /// How many times the file was found deleted or replaced and the store written afresh.
    public var recreatedCount: Int { recreations.load(ordering: .relaxed) }

    /// Runs on `queue`: writes the records into a fresh file when the path no longer names the open one.
    private func recreateIfReplaced() throws(TaskStoreError) {
        guard let recreation = try writer.recreateIfReplaced(now: Date()) else { return }
        recreations.wrappingAdd(1, ordering: .relaxed)
        let aside = recreation.movedAside.map { "; the file found there was moved to \($0)" } ?? ""
        let text =
            "the task store \(path) was deleted or replaced while the daemon ran; wrote the \(recreation.records) "
            + "records it held into a fresh store there\(aside)"
        logger.critical("\(text)", metadata: ["event": .string(WatchdogEvent.storeRecreated.rawValue)])
    }

    // MARK: group commit

    /// Runs on `queue`: commits whatever is pending, one transaction per batch, until nothing is.
    private func drain() {
        while true {
            let batch = pending.withLock { pending -> ([SQLiteTaskWriter.Operation], StoreCommit)? in
                guard !pending.operations.isEmpty else {
                    pending.draining = false
                    return nil
                }
                defer {
                    pending.operations = []
                    pending.commit = StoreCommit()
                }
                return (pending.operations, pending.commit)
            }
            guard let (operations, commit) = batch else { return }
            let started = ContinuousClock.now
            let result = Result { () throws(TaskStoreError) in
                try recreateIfReplaced()
                try writer.commit(operations)
            }
            metrics?.storeCommitted(took: ContinuousClock.now - started, ok: (try? result.get()) != nil)
            commit.complete(result.mapError { $0 as any Error })
        }
    }

    private static func createDirectory(_ directory: String) throws(TaskStoreError) {
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
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
