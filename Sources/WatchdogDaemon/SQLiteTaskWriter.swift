import CSQLite
import FoundationEssentials
import Glibc
import SystemPackage
import WatchdogCore
import WatchdogProtocol

/// The connection behind `SQLiteTaskStore` and everything done with it: opening and checking the
/// file, migrating the schema, writing batches, reading records back.
///
/// `@unchecked Sendable` because it is handed to the store's serial queue and used only there
/// (the store never calls it from anywhere else); SQLite handles are not thread-safe here
/// (`SQLITE_OPEN_NOMUTEX`).
final class SQLiteTaskWriter: @unchecked Sendable {
    enum Operation: Sendable {
        case save([TaskRecord])
        case remove([TaskID])
    }

    /// `PRAGMA application_id` of a maia-watchdog store ("MWDT"), so a foreign database is refused.
    static let applicationID: Int32 = 0x4D57_4454

    /// Migration `n` takes the schema from version `n` to `n + 1` (`PRAGMA user_version`). Append
    /// only; never edit a migration that has shipped.
    ///
    /// Times are REAL seconds since 1970 (`datetime(deadline, 'unixepoch')` in the sqlite3 shell);
    /// spans are INTEGER microseconds (systemd's resolution).
    static let migrations: [String] = [
        // 0 → 1: the tasks table.
        """
        PRAGMA application_id = \(applicationID);
        CREATE TABLE tasks (
            id TEXT PRIMARY KEY NOT NULL,
            state TEXT NOT NULL,
            watched_at REAL NOT NULL,
            started_at REAL NOT NULL,
            deadline REAL,
            max_runtime_us INTEGER,
            requested_max_runtime_us INTEGER,
            attempts INTEGER NOT NULL,
            last_http_status INTEGER,
            last_error TEXT,
            updated_at REAL NOT NULL,
            requested_by_uid INTEGER NOT NULL,
            requested_by_pid INTEGER NOT NULL,
            first_attempt_at REAL,
            next_attempt_at REAL
        ) WITHOUT ROWID;
        """,
        // 1 → 2: records by state, for `--check-state` and `list state=…` on large stores.
        "CREATE INDEX tasks_by_state ON tasks (state, watched_at);",
        // 2 → 3: the index goes again. `list` is served from memory and `--check-state` scans
        // 100,000 rows in milliseconds, while every state change moved an index entry: two more
        // pages written per commit, which showed in the write-ahead log's size and the deadline
        // lateness under load (docs/performance.md).
        "DROP INDEX tasks_by_state;",
        // 3 → 4: what confirming a stop, discovery and `[safety]` keep per task. A row written before reads as
        // the control socket's, with no read made or due and nothing extended (`addedColumnDefaults`).
        """
        ALTER TABLE tasks ADD COLUMN source TEXT NOT NULL DEFAULT 'socket';
        ALTER TABLE tasks ADD COLUMN maia_status TEXT;
        ALTER TABLE tasks ADD COLUMN confirmed_at REAL;
        ALTER TABLE tasks ADD COLUMN unconfirmed_at REAL;
        ALTER TABLE tasks ADD COLUMN last_accepted_at REAL;
        ALTER TABLE tasks ADD COLUMN read_purpose TEXT;
        ALTER TABLE tasks ADD COLUMN next_read_at REAL;
        ALTER TABLE tasks ADD COLUMN reads INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE tasks ADD COLUMN read_failures INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE tasks ADD COLUMN warned_at REAL;
        ALTER TABLE tasks ADD COLUMN extended_us INTEGER NOT NULL DEFAULT 0;
        """,
        // 4 → 5: the tables stay; rows in state 'forgotten' appear, the tombstones of forgotten tasks, which
        // discovery leaves alone for `retention` from their updated_at. A build that knows schema 4 must refuse such
        // a file as newer rather than read those rows as corrupt.
        "-- tombstones: rows in state 'forgotten'",
    ]

    /// The schema version this build writes.
    static var schemaVersion: Int { migrations.count }

    let path: String
    private var connection: SQLiteConnection?
    private var upsert: SQLiteStatement?
    private var delete: SQLiteStatement?
    /// The device and inode of the file opened at `path`, to notice when the path names another file or none.
    private var identity: FileIdentity?

    /// Opens, checks and migrates the store at `path` for reading and writing.
    init(path: String) throws(TaskStoreError) {
        self.path = path
        let (connection, upsert, delete) = try Self.openChecked(path)
        self.connection = connection
        self.upsert = upsert
        self.delete = delete
        self.identity = FileIdentity(path: path)
    }

    /// Opens the file at `path` (creating it if missing), checks and migrates it, and prepares the writes.
    private static func openChecked(
        _ path: String
    ) throws(TaskStoreError) -> (SQLiteConnection, SQLiteStatement, SQLiteStatement) {
        let connection = try Self.wrap(path) { () throws(SQLiteError) in try SQLiteConnection(path: path) }
        let version = try Self.checkedVersion(connection, path: path)
        try Self.wrap(path) { () throws(SQLiteError) in
            let mode = try connection.scalarText("PRAGMA journal_mode = WAL")
            guard mode == "wal" else {
                throw SQLiteError(
                    code: SQLITE_IOERR, message: "cannot switch to WAL mode (journal_mode is \(mode ?? "?"))")
            }
            try connection.execute("PRAGMA synchronous = FULL")
            // Small checkpoints, often: the commit that crosses the mark also copies the log into
            // the file and fsyncs it, and whatever waits on that commit (a stop attempt, a watch's
            // answer) waits for that too. Measured with 100,000 deadlines over 60 s (deadline
            // lateness p99): 1000 pages (SQLite's default) 7.3 ms, 10,000 pages 125 ms, 200 pages
            // 2.9 ms; a checkpoint on a second connection beside the commits was worse still (its
            // fsync delays theirs: 50 ms), and none at all let the log grow to 2.4 GB (25 ms).
            try connection.execute("PRAGMA wal_autocheckpoint = 200")
            if version < Self.schemaVersion {
                try connection.execute("BEGIN IMMEDIATE")
                do throws(SQLiteError) {
                    for migration in Self.migrations[version...] { try connection.execute(migration) }
                    try connection.execute("PRAGMA user_version = \(Self.schemaVersion)")
                    try connection.execute("COMMIT")
                } catch {
                    try? connection.execute("ROLLBACK")
                    throw error
                }
            }
        }
        let (upsert, delete) = try Self.wrap(path) { () throws(SQLiteError) in
            (
                try connection.prepare(
                    "INSERT OR REPLACE INTO tasks (\(Self.columns.joined(separator: ", "))) VALUES "
                        + "(\(Array(repeating: "?", count: Self.columns.count).joined(separator: ", ")))"
                ),
                try connection.prepare("DELETE FROM tasks WHERE id = ?")
            )
        }
        return (connection, upsert, delete)
    }

    /// What ``recreateIfReplaced(now:)`` did.
    struct Recreation: Sendable, Equatable {
        /// Records copied from the open file into the fresh one.
        var records: Int
        /// Where a file found at the path was moved to (nothing is discarded), or `nil` when the path was empty.
        var movedAside: String?
    }

    /// Makes sure `path` still names the file this writer has open. When the file was deleted or replaced while
    /// the daemon ran (an acknowledgement must mean "on disk under the state directory"), writes every record of
    /// the open file (it stays readable through the open descriptor after an unlink) into a fresh store at `path`,
    /// and carries on with that one. A file found at the path is moved aside first, never overwritten. Returns
    /// `nil` when nothing had to be done; one `stat` a batch otherwise.
    func recreateIfReplaced(now: Date) throws(TaskStoreError) -> Recreation? {
        guard let connection, let identity, FileIdentity(path: path) != identity else { return nil }
        let records = try Self.records(connection, path: path)
        var movedAside: String?
        if FileIdentity(path: path) != nil {
            let aside = "\(path).replaced-\(Int(now.timeIntervalSince1970))"
            for suffix in ["", "-wal", "-shm"] where access(path + suffix, F_OK) == 0 {
                guard rename(path + suffix, aside + suffix) == 0 else {
                    throw .writeFailed(
                        path: path,
                        reason: "cannot move the file found there aside: \(String(cString: strerror(errno)))")
                }
            }
            movedAside = aside
        }
        // Closed before the fresh file is opened: the last connection to a WAL database removes the log by its
        // name, which would be the fresh store's log.
        close()
        let directory = FilePath(path).removingLastComponent().string
        if access(directory, F_OK) != 0, mkdir(directory, 0o700) != 0 {
            throw .writeFailed(
                path: path, reason: "cannot create the state directory again: \(String(cString: strerror(errno)))")
        }
        let (fresh, upsert, delete) = try Self.openChecked(path)
        do throws(SQLiteError) {
            try Self.write([.save(records)], connection: fresh, upsert: upsert, delete: delete)
        } catch {
            throw .writeFailed(path: path, reason: "cannot write the records into a fresh store: \(error)")
        }
        self.connection = fresh
        self.upsert = upsert
        self.delete = delete
        self.identity = FileIdentity(path: path)
        return Recreation(records: records.count, movedAside: movedAside)
    }

    func close() {
        upsert = nil
        delete = nil
        connection?.close()
        connection = nil
    }

    /// Writes `operations` in order, in one transaction.
    func commit(_ operations: [Operation]) throws(TaskStoreError) {
        guard let connection, let upsert, let delete else {
            throw .writeFailed(path: path, reason: "the store is closed")
        }
        do throws(SQLiteError) {
            try Self.write(operations, connection: connection, upsert: upsert, delete: delete)
        } catch {
            throw .writeFailed(path: path, reason: error.description)
        }
    }

    private static func write(
        _ operations: [Operation], connection: SQLiteConnection, upsert: SQLiteStatement, delete: SQLiteStatement
    ) throws(SQLiteError) {
        try connection.execute("BEGIN IMMEDIATE")
        do throws(SQLiteError) {
            for operation in operations {
                switch operation {
                case .save(let records):
                    for record in records { try upsert.run(Self.values(of: record)) }
                case .remove(let ids):
                    for id in ids { try delete.run([.text(id.rawValue)]) }
                }
            }
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// `PRAGMA name` as the open connection answers it: settings such as `synchronous` belong to a connection, not
    /// to the file, so only the writer's own connection can tell what its commits do.
    func pragma(_ name: String) throws(TaskStoreError) -> Int64? {
        guard let connection else { throw .writeFailed(path: path, reason: "the store is closed") }
        return try Self.wrap(path) { () throws(SQLiteError) in try connection.scalarInt("PRAGMA \(name)") }
    }

    func loadAll() throws(TaskStoreError) -> [TaskRecord] {
        guard let connection else { throw .writeFailed(path: path, reason: "the store is closed") }
        return try Self.records(connection, path: path)
    }

    // MARK: shared with the read-only check

    /// Maps an SQLite failure at open or read to what the operator must know.
    static func wrap<T>(_ path: String, _ body: () throws(SQLiteError) -> T) throws(TaskStoreError) -> T {
        do throws(SQLiteError) {
            return try body()
        } catch {
            if error.isCorruption { throw .corrupt(path: path, reason: error.description) }
            throw .unreadable(path: path, reason: error.description)
        }
    }

    /// Reads the header (which fails on a file that is not a database), refuses a foreign or newer
    /// store, runs `PRAGMA quick_check`, and returns the schema version.
    static func checkedVersion(_ connection: SQLiteConnection, path: String) throws(TaskStoreError) -> Int {
        let (application, version, objects, problems) = try wrap(path) { () throws(SQLiteError) in
            try connection.execute("PRAGMA busy_timeout = 5000")
            return (
                try connection.scalarInt("PRAGMA application_id") ?? 0,
                Int(try connection.scalarInt("PRAGMA user_version") ?? 0),
                try connection.scalarInt("SELECT count(*) FROM sqlite_schema") ?? 0,
                try connection.column("PRAGMA quick_check")
            )
        }
        if application != 0 && application != Int64(applicationID) {
            throw .foreign(path: path, reason: "its application_id is \(application)")
        }
        if version == 0 && objects > 0 {
            throw .foreign(path: path, reason: "it holds tables but no schema version")
        }
        if version > schemaVersion {
            throw .newerSchema(path: path, found: version, supported: schemaVersion)
        }
        guard problems == ["ok"] else {
            throw .corrupt(path: path, reason: problems.prefix(5).joined(separator: "; "))
        }
        return version
    }

    /// Every record in the store, which has schema `version` (the writer's connection has migrated its file to
    /// ``schemaVersion``; `--check-state` reads an older file as it is). Throws `corrupt` naming the first record
    /// that cannot be read: never skips one.
    static func records(
        _ connection: SQLiteConnection, path: String, version: Int = schemaVersion
    ) throws(TaskStoreError) -> [TaskRecord] {
        var records: [TaskRecord] = []
        var bad: String?
        try wrap(path) { () throws(SQLiteError) in
            let statement = try connection.prepare("SELECT \(selection(version: version)) FROM tasks")
            while try statement.step() {
                guard let record = record(statement) else {
                    bad = statement.text(0) ?? "(no id)"
                    return
                }
                records.append(record)
            }
        }
        if let bad { throw .corrupt(path: path, reason: "the record \(bad) cannot be read") }
        return records
    }
}

/// A file's device and inode number: two paths (or one path at two moments) name the same file when these match.
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64

    /// The identity of the file at `path` now, or `nil` when there is none (or it cannot be read).
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
