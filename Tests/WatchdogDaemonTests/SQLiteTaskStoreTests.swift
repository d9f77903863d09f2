import Foundation
import Glibc
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

@Suite("SQLite task store")
struct SQLiteTaskStoreTests {
    /// Dates with an exact binary fraction, so they survive the REAL column bit for bit.
    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_780_000_000 + seconds) }

    static func record(_ id: TaskID = .random(), state: TaskState = .watching) -> TaskRecord {
        TaskRecord(
            id: id, state: state, watchedAt: Self.date(0.5), startedAt: Self.date(-60.25), deadline: Self.date(2640),
            maxRuntime: .seconds(2700), updatedAt: Self.date(0.5), requestedBy: Requester(uid: 1000, pid: 4242))
    }

    @Test func roundTripsEveryField() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let full = TaskRecord(
            id: .random(), state: .stopping, watchedAt: Self.date(1.5), startedAt: Self.date(-3600.125),
            deadline: Self.date(7.75),
            maxRuntime: .milliseconds(1500), requestedMaxRuntime: .microseconds(1_234_567), attempts: 3,
            lastHTTPStatus: 502, lastError: "Bad Gateway: \"upstream\" ✓", updatedAt: Self.date(20.0625),
            requestedBy: Requester(uid: UInt32.max - 1, pid: Int32.max), firstAttemptAt: Self.date(8.5),
            nextAttemptAt: Self.date(30.25))
        let sparse = TaskRecord(
            id: .random(), state: .gaveUp, watchedAt: Self.date(2), startedAt: Self.date(2), deadline: nil,
            maxRuntime: nil,
            updatedAt: Self.date(3), requestedBy: Requester(uid: 0, pid: 1))
        let store = try await SQLiteTaskStore.open(directory: "\(directory)/state")
        try await store.save([full, sparse])
        await store.close()
        let reopened = try await SQLiteTaskStore.open(directory: "\(directory)/state")
        let loaded = try await reopened.loadAll()
        #expect(Set(loaded) == [full, sparse])
        await reopened.close()

        var info = stat()
        #expect(stat("\(directory)/state", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        let connection = try SQLiteConnection(path: "\(directory)/state/tasks.sqlite3")
        #expect(try connection.scalarText("PRAGMA journal_mode") == "wal")
    }

    /// Every commit fsyncs the log: `synchronous = FULL` (2) on the connection that writes, also on the fresh one a
    /// replaced file gets. Without it every other test passes and an acknowledged watch can vanish in a power cut.
    /// A forgotten task's record is its tombstone (discovery leaves the task alone for `retention`): it is stored and
    /// read back in state `forgotten`, so that a restart keeps it, and the enforcer restores it as a tombstone.
    @Test func aTombstoneSurvivesARestart() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tombstone = TaskRecord(
            id: .random(), state: .forgotten, watchedAt: Self.date(1), startedAt: Self.date(1), deadline: nil,
            maxRuntime: nil, updatedAt: Self.date(5), requestedBy: Requester(uid: 1000, pid: 7))
        let store = try await SQLiteTaskStore.open(directory: directory)
        try await store.save([tombstone])
        await store.close()
        let reopened = try await SQLiteTaskStore.open(directory: directory)
        let loaded = try await reopened.loadAll()
        await reopened.close()
        #expect(loaded == [tombstone])
        var enforcer = Enforcer(policy: Policy(allow: .everyTask, retention: .seconds(60)))
        _ = enforcer.restored(loaded, now: Self.date(10))
        #expect(enforcer.tombstones == [tombstone.id: Self.date(65)])
        #expect(enforcer.records.count == 0)
    }

    @Test func writerCommitsWithSynchronousFull() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(directory: directory)
        #expect(try await store.writerPragma("synchronous") == 2)
        try await store.save([Self.record()])
        #expect(try await store.writerPragma("synchronous") == 2)
        // The file is replaced behind the store's back: the next commit opens a new connection.
        try FileManager.default.removeItem(atPath: "\(directory)/\(SQLiteTaskStore.fileName)")
        try await store.save([Self.record()])
        #expect(store.recreatedCount == 1)
        #expect(try await store.writerPragma("synchronous") == 2)
        await store.close()
    }

    @Test func savesRemovesAndKeepsTheLastWrite() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(directory: directory)
        var first = Self.record()
        let second = Self.record()
        try await store.save([first, second])
        first.state = .stopRequested
        first.attempts = 1
        try await store.save([first])
        try await store.remove([second.id])
        #expect(try await store.loadAll() == [first])
    }

    /// Saves made while another connection holds the file's write lock go into one transaction (two at most: the
    /// writer may have taken the first save into a batch of its own before it found the lock taken), and none returns
    /// before its transaction has committed. One transaction per save would give 500 distinct commits.
    @Test func groupsConcurrentSavesIntoOneCommit() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(directory: directory)
        let counted = CountingTaskStore(store)
        let released = Locked<Bool>(false)
        let lock = try SQLiteWriteLock(path: store.path)
        let count = 500
        let records = (0..<count).map { _ in Self.record() }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for record in records {
                group.addTask {
                    try await counted.save([record])
                    return released.withLock { $0 }
                }
            }
            try await counted.queued.wait(for: count, within: .seconds(4), "every save to be queued")
            released.withLock { $0 = true }
            try lock.release()
            for try await returnedAfterCommit in group { #expect(returnedAfterCommit) }
        }
        #expect(counted.submits == count)
        #expect(counted.commits() <= 2)
        await store.close()
        let reopened = try await SQLiteTaskStore.open(directory: directory)
        #expect(try await reopened.loadAll().count == count)
    }

    /// A store written by schema version 1 (hand-written here, as that version wrote it) is
    /// migrated at open and its records kept.
    @Test func migratesAVersion1Store() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let id = TaskID.random()
        do {
            let old = try SQLiteConnection(path: "\(directory)/tasks.sqlite3")
            try old.execute(
                """
                PRAGMA journal_mode = WAL;
                PRAGMA application_id = 1297564756;
                CREATE TABLE tasks (
                    id TEXT PRIMARY KEY NOT NULL, state TEXT NOT NULL, watched_at REAL NOT NULL,
                    started_at REAL NOT NULL, deadline REAL, max_runtime_us INTEGER,
                    requested_max_runtime_us INTEGER, attempts INTEGER NOT NULL, last_http_status INTEGER,
                    last_error TEXT, updated_at REAL NOT NULL, requested_by_uid INTEGER NOT NULL,
                    requested_by_pid INTEGER NOT NULL, first_attempt_at REAL, next_attempt_at REAL
                ) WITHOUT ROWID;
                INSERT INTO tasks VALUES ('\(id)', 'stopping', 1780000000.5, 1780000000.5, 1780002700.5,
                    2700000000, NULL, 2, 502, 'Bad Gateway', 1780002710.25, 1000, 77, 1780002700.5, 1780002712.0);
                PRAGMA user_version = 1;
                """)
            old.close()
        }
        let store = try await SQLiteTaskStore.open(directory: directory)
        let loaded = try await store.loadAll()
        #expect(loaded.count == 1)
        #expect(loaded.first?.id == id)
        #expect(loaded.first?.state == .stopping)
        #expect(loaded.first?.maxRuntime == .seconds(2700))
        #expect(loaded.first?.attempts == 2)
        #expect(loaded.first?.nextAttemptAt == Date(timeIntervalSince1970: 1_780_002_712))
        await store.close()
        let check = try SQLiteConnection(path: "\(directory)/tasks.sqlite3")
        #expect(try check.scalarInt("PRAGMA user_version") == Int64(SQLiteTaskWriter.schemaVersion))
        // Migration 1 → 2 made the index by state, 2 → 3 dropped it again.
        #expect(try check.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'tasks_by_state'") == 0)
    }

    @Test func refusesANewerSchema() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(directory: directory)
        try await store.save([Self.record()])
        await store.close()
        try SQLiteConnection(path: "\(directory)/tasks.sqlite3").execute("PRAGMA user_version = 99")
        let error = await #expect(throws: TaskStoreError.self) {
            _ = try await SQLiteTaskStore.open(directory: directory)
        }
        guard case .newerSchema(_, 99, SQLiteTaskWriter.schemaVersion) = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(throws: TaskStoreError.self) { try TaskStoreInspection.inspect(directory: directory) }
    }

    @Test func refusesAFileThatIsNotADatabase() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let garbage = Data(repeating: 0x5A, count: 8192)
        try garbage.write(to: URL(fileURLWithPath: "\(directory)/tasks.sqlite3"))
        let error = await #expect(throws: TaskStoreError.self) {
            _ = try await SQLiteTaskStore.open(directory: directory)
        }
        guard case .corrupt = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        // Never discarded: the file is as it was.
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/tasks.sqlite3")) == garbage)
    }

    @Test func refusesADamagedPage() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(directory: directory)
        try await store.save((0..<400).map { _ in Self.record() })
        await store.close()
        let path = "\(directory)/tasks.sqlite3"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let pageSize = 4096
        #expect(bytes.count >= pageSize * 4)
        bytes.replaceSubrange(pageSize * 2..<pageSize * 3, with: Data(repeating: 0xA5, count: pageSize))
        try bytes.write(to: URL(fileURLWithPath: path))
        let error = await #expect(throws: TaskStoreError.self) {
            _ = try await SQLiteTaskStore.open(directory: directory)
        }
        guard case .corrupt = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        #expect(throws: TaskStoreError.self) { try TaskStoreInspection.inspect(directory: directory) }
    }

    @Test func refusesAForeignDatabase() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SQLiteConnection(path: "\(directory)/tasks.sqlite3").execute("CREATE TABLE notes (text TEXT)")
        let error = await #expect(throws: TaskStoreError.self) {
            _ = try await SQLiteTaskStore.open(directory: directory)
        }
        guard case .foreign = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
    }

    @Test func inspectionSummarisesAHealthyStore() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try TaskStoreInspection.inspect(directory: directory) == nil)
        let store = try await SQLiteTaskStore.open(directory: directory)
        try await store.save([Self.record(), Self.record(), Self.record(state: .stopRequested)])
        let inspection = try #require(try TaskStoreInspection.inspect(directory: directory))
        #expect(inspection.records.count == 3)
        #expect(inspection.summary.contains("schema: version \(SQLiteTaskWriter.schemaVersion)"))
        #expect(inspection.summary.contains("records: 3 (watching 2, stop_requested 1)"))
        #expect(inspection.summary.contains("integrity: ok"))
    }
}
