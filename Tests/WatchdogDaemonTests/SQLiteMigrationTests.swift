import Foundation
import Glibc
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// Schema version 4 (confirmed stops, discovery, `[safety]`): a store written by version 3 opens with every record
/// and is migrated, every new field is written and read back, and what cannot be read is refused, never dropped.
@Suite("SQLite task store: schema migrations")
struct SQLiteMigrationTests {
    /// The migrations as they shipped, copied here when they did: what a file of each version holds. The store's
    /// own list must still begin with them.
    static let shipped: [String] = [
        """
        PRAGMA application_id = 1297564756;
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
        "CREATE INDEX tasks_by_state ON tasks (state, watched_at);",
        "DROP INDEX tasks_by_state;",
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
        "-- tombstones: rows in state 'forgotten'",
    ]

    /// The columns version 3 wrote, in the order its `INSERT` named them.
    static let version3Columns =
        "id, state, watched_at, started_at, deadline, max_runtime_us, requested_max_runtime_us, attempts, "
        + "last_http_status, last_error, updated_at, requested_by_uid, requested_by_pid, first_attempt_at, "
        + "next_attempt_at"

    static func date(_ seconds: Double) -> Date { Date(timeIntervalSince1970: seconds) }

    /// Rows as version 3 wrote them (every time bound as a REAL, every span as INTEGER microseconds, nil as NULL),
    /// and the records they hold: every new field at its default.
    struct Version3Fixture {
        var watching = TaskID.random()
        var exempt = TaskID.random()
        /// Stopping with an attempt in flight: counted, no answer stored, no next attempt.
        var inFlight = TaskID.random()
        var backingOff = TaskID.random()
        var accepted = TaskID.random()
        var gaveUp = TaskID.random()

        var rows: [String] {
            [
                "'\(watching)', 'watching', 1780000000.5, 1779999940.25, 1780002640.5, 2700000000, 2700000000, 0, "
                    + "NULL, NULL, 1780000000.5, 1000, 4242, NULL, NULL",
                "'\(exempt)', 'watching', 1780000001.0, 1780000001.0, NULL, NULL, NULL, 0, NULL, NULL, 1780000001.0, "
                    + "0, 1, NULL, NULL",
                "'\(inFlight)', 'stopping', 1780000002.0, 1780000002.0, 1780000062.0, 60000000, 60000000, 1, NULL, "
                    + "NULL, 1780000062.125, 1000, 77, 1780000062.0, NULL",
                "'\(backingOff)', 'stopping', 1780000003.0, 1780000003.0, 1780000063.0, 60000000, NULL, 3, 502, "
                    + "'Bad Gateway', 1780000070.25, 1000, 78, 1780000063.0, 1780000074.5",
                "'\(accepted)', 'stop_requested', 1780000004.0, 1780000004.0, 1780000064.0, 60000000, NULL, 1, 204, "
                    + "NULL, 1780000064.5, 1000, 79, 1780000064.0, NULL",
                "'\(gaveUp)', 'gave_up', 1780000005.0, 1779990000.0, 1780000065.0, 60000000, NULL, 12, 503, "
                    + "'Service Unavailable: \"try later\" ✓', 1780003665.0, 0, 80, 1780000065.0, NULL",
            ]
        }

        var records: [TaskRecord] {
            let date = SQLiteMigrationTests.date
            return [
                TaskRecord(
                    id: watching, state: .watching, watchedAt: date(1_780_000_000.5), startedAt: date(1_779_999_940.25),
                    deadline: date(1_780_002_640.5), maxRuntime: .seconds(2700), requestedMaxRuntime: .seconds(2700),
                    updatedAt: date(1_780_000_000.5), requestedBy: Requester(uid: 1000, pid: 4242)),
                TaskRecord(
                    id: exempt, state: .watching, watchedAt: date(1_780_000_001), startedAt: date(1_780_000_001),
                    deadline: nil, maxRuntime: nil, updatedAt: date(1_780_000_001),
                    requestedBy: Requester(uid: 0, pid: 1)),
                TaskRecord(
                    id: inFlight, state: .stopping, watchedAt: date(1_780_000_002), startedAt: date(1_780_000_002),
                    deadline: date(1_780_000_062), maxRuntime: .seconds(60), requestedMaxRuntime: .seconds(60),
                    attempts: 1, updatedAt: date(1_780_000_062.125), requestedBy: Requester(uid: 1000, pid: 77),
                    firstAttemptAt: date(1_780_000_062)),
                TaskRecord(
                    id: backingOff, state: .stopping, watchedAt: date(1_780_000_003), startedAt: date(1_780_000_003),
                    deadline: date(1_780_000_063), maxRuntime: .seconds(60), attempts: 3, lastHTTPStatus: 502,
                    lastError: "Bad Gateway", updatedAt: date(1_780_000_070.25),
                    requestedBy: Requester(uid: 1000, pid: 78), firstAttemptAt: date(1_780_000_063),
                    nextAttemptAt: date(1_780_000_074.5)),
                TaskRecord(
                    id: accepted, state: .stopRequested, watchedAt: date(1_780_000_004), startedAt: date(1_780_000_004),
                    deadline: date(1_780_000_064), maxRuntime: .seconds(60), attempts: 1, lastHTTPStatus: 204,
                    updatedAt: date(1_780_000_064.5), requestedBy: Requester(uid: 1000, pid: 79),
                    firstAttemptAt: date(1_780_000_064)),
                TaskRecord(
                    id: gaveUp, state: .gaveUp, watchedAt: date(1_780_000_005), startedAt: date(1_779_990_000),
                    deadline: date(1_780_000_065), maxRuntime: .seconds(60), attempts: 12, lastHTTPStatus: 503,
                    lastError: "Service Unavailable: \"try later\" ✓", updatedAt: date(1_780_003_665),
                    requestedBy: Requester(uid: 0, pid: 80), firstAttemptAt: date(1_780_000_065)),
            ]
        }

        /// What `--check-state` prints about the file (`store:` line first), at `version`.
        func summary(path: String, version: Int) -> [String] {
            [
                "store: \(path)",
                version == 3 ? "schema: version 3 (migrated to 5 at the next start)" : "schema: version \(version)",
                "integrity: ok",
                "records: 6 (watching 2, stopping 2, stop_requested 1, gave_up 1)",
                "oldest: \(watching) watched 2026-05-28T20:26:40.500Z (watching)",
                "newest: \(gaveUp) watched 2026-05-28T20:26:45.000Z (gave_up)",
                "next due: 2026-05-28T20:27:54.500Z",
            ]
        }

        /// Writes the file as version 3 did: in WAL mode, the first three migrations, `user_version` 3, the rows.
        func write(to path: String) throws {
            let connection = try SQLiteConnection(path: path)
            defer { connection.close() }
            #expect(try connection.scalarText("PRAGMA journal_mode = WAL") == "wal")
            try connection.execute("BEGIN IMMEDIATE")
            for migration in SQLiteMigrationTests.shipped.prefix(3) { try connection.execute(migration) }
            try connection.execute("PRAGMA user_version = 3")
            try connection.execute("COMMIT")
            try connection.execute("BEGIN IMMEDIATE")
            for row in rows {
                try connection.execute(
                    "INSERT OR REPLACE INTO tasks (\(SQLiteMigrationTests.version3Columns)) VALUES (\(row))")
            }
            try connection.execute("COMMIT")
        }
    }

    static func scalar(_ path: String, _ sql: String) throws -> Int64? {
        let connection = try SQLiteConnection(path: path, readOnly: true)
        defer { connection.close() }
        return try connection.scalarInt(sql)
    }

    @Test func shippedMigrationsAreNeverEdited() {
        #expect(Array(SQLiteTaskWriter.migrations.prefix(Self.shipped.count)) == Self.shipped)
        #expect(SQLiteTaskWriter.schemaVersion == 5)
    }

    /// The upgrade: a store written by version 3 is read as it is by `--check-state` (not migrated), then opened by
    /// the daemon: every record back with the new fields at their defaults, the file at the current version, and the new fields
    /// written and read back.
    @Test func opensAStoreWrittenByVersion3() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/\(SQLiteTaskStore.fileName)"
        let fixture = Version3Fixture()
        try fixture.write(to: path)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))

        let inspection = try #require(try TaskStoreInspection.inspect(directory: directory))
        #expect(inspection.schemaVersion == 3)
        #expect(Set(inspection.records) == Set(fixture.records))
        #expect(inspection.summary.split(separator: "\n").map(String.init) == fixture.summary(path: path, version: 3))
        #expect(try Self.scalar(path, "PRAGMA user_version") == 3)
        #expect(try Self.scalar(path, "SELECT count(*) FROM pragma_table_info('tasks')") == 15)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == written)

        let store = try await SQLiteTaskStore.open(directory: directory)
        let loaded = try await store.loadAll()
        #expect(Set(loaded) == Set(fixture.records))
        #expect(loaded.allSatisfy { $0.source == .socket && $0.reads == 0 && $0.readFailures == 0 })
        #expect(loaded.allSatisfy { $0.extended == .zero && $0.readPurpose == nil && $0.maiaStatus == nil })
        #expect(try Self.scalar(path, "PRAGMA user_version") == 5)
        #expect(try Self.scalar(path, "SELECT count(*) FROM pragma_table_info('tasks')") == 26)

        // The migrated file takes every new field.
        var updated = Dictionary(uniqueKeysWithValues: fixture.records.map { ($0.id, $0) })
        updated[fixture.watching]?.warnedAt = Self.date(1_780_002_340.5)
        updated[fixture.watching]?.extended = .seconds(600)
        updated[fixture.watching]?.deadline = Self.date(1_780_003_240.5)
        updated[fixture.inFlight]?.state = .stopUnconfirmed
        updated[fixture.inFlight]?.readFailures = 4
        updated[fixture.backingOff]?.state = .stopRequested
        updated[fixture.backingOff]?.lastHTTPStatus = 204
        updated[fixture.backingOff]?.readPurpose = .confirm
        updated[fixture.backingOff]?.lastAcceptedAt = Self.date(1_780_000_075.25)
        updated[fixture.backingOff]?.unconfirmedAt = Self.date(1_780_000_375.25)
        updated[fixture.backingOff]?.nextReadAt = Self.date(1_780_000_077.25)
        updated[fixture.backingOff]?.maiaStatus = "RUNNING"
        updated[fixture.backingOff]?.reads = 1
        updated[fixture.accepted]?.state = .stopped
        updated[fixture.accepted]?.confirmedAt = Self.date(1_780_000_066.75)
        updated[fixture.accepted]?.maiaStatus = "STOPPED"
        updated[fixture.accepted]?.reads = 3
        var discovered = TaskRecord(
            id: .random(), state: .watching, watchedAt: Self.date(1_780_000_100), startedAt: Self.date(1_779_999_000),
            deadline: Self.date(1_780_001_700), maxRuntime: .seconds(2700), updatedAt: Self.date(1_780_000_100),
            requestedBy: Requester(uid: 0, pid: 0))
        discovered.source = .discovery
        discovered.readPurpose = .origin
        updated[discovered.id] = discovered
        try await store.save(Array(updated.values))
        await store.close()

        let reopened = try await SQLiteTaskStore.open(directory: directory)
        #expect(Set(try await reopened.loadAll()) == Set(updated.values))
        await reopened.close()
        let migrated = try #require(try TaskStoreInspection.inspect(directory: directory))
        #expect(migrated.schemaVersion == 5)
        #expect(Set(migrated.records) == Set(updated.values))
    }

    /// `maia-watchdogd --check-state` on a version 3 store prints it as it is and leaves it at version 3; after the
    /// daemon's store opened it, the same records at the current version.
    @Test func checkStatePrintsVersion3AndVersion4Stores() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/\(SQLiteTaskStore.fileName)"
        let fixture = Version3Fixture()
        try fixture.write(to: path)
        let written = try Data(contentsOf: URL(fileURLWithPath: path))

        let old = try DaemonProcess(["--check-state", "--state-dir", directory])
        #expect(try await old.waitForExit() == 0)
        #expect(old.lines(of: .standardOutput) == fixture.summary(path: path, version: 3))
        #expect(old.lines(of: .standardError) == [])
        #expect(try Self.scalar(path, "PRAGMA user_version") == 3)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == written)

        let store = try await SQLiteTaskStore.open(directory: directory)
        await store.close()
        let new = try DaemonProcess(["--check-state", "--state-dir", directory])
        #expect(try await new.waitForExit() == 0)
        #expect(new.lines(of: .standardOutput) == fixture.summary(path: path, version: 5))
        #expect(new.lines(of: .standardError) == [])
    }

    /// Every field, old and new, set to something other than its default comes back exactly; the new columns hold
    /// times as REAL seconds, spans as INTEGER microseconds and the enumerations as their text.
    @Test func roundTripsEveryNewField() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var full = TaskRecord(
            id: .random(), state: .stopRequested, watchedAt: Self.date(1_780_000_001.5),
            startedAt: Self.date(1_779_996_400.125), deadline: Self.date(1_780_000_007.75),
            maxRuntime: .milliseconds(1500), requestedMaxRuntime: .microseconds(1_234_567), attempts: 3,
            lastHTTPStatus: 204, lastError: "Bad Gateway: \"upstream\" ✓", updatedAt: Self.date(1_780_000_020.0625),
            requestedBy: Requester(uid: UInt32.max - 1, pid: Int32.max), firstAttemptAt: Self.date(1_780_000_008.5),
            nextAttemptAt: Self.date(1_780_000_030.25))
        full.source = .discovery
        full.maiaStatus = "STOPPING ✓"
        full.confirmedAt = Self.date(1_780_000_040.375)
        full.unconfirmedAt = Self.date(1_780_000_320.5)
        full.lastAcceptedAt = Self.date(1_780_000_020.0625)
        full.readPurpose = .confirm
        full.nextReadAt = Self.date(1_780_000_024.0625)
        full.reads = 7
        full.readFailures = 2
        full.warnedAt = Self.date(1_780_000_001.25)
        full.extended = .seconds(90) + .microseconds(250)
        var origin = SQLiteTaskStoreTests.record()
        origin.readPurpose = .origin
        origin.source = .discovery

        let store = try await SQLiteTaskStore.open(directory: directory)
        try await store.save([full, origin])
        await store.close()
        let reopened = try await SQLiteTaskStore.open(directory: directory)
        let loaded = try await reopened.loadAll()
        #expect(loaded.first { $0.id == full.id } == full)
        #expect(loaded.first { $0.id == origin.id } == origin)
        await reopened.close()

        let connection = try SQLiteConnection(path: "\(directory)/\(SQLiteTaskStore.fileName)", readOnly: true)
        defer { connection.close() }
        let row = try connection.prepare(
            "SELECT typeof(source) || ' ' || source, typeof(maia_status), typeof(confirmed_at) || ' ' || confirmed_at, "
                + "typeof(unconfirmed_at), typeof(last_accepted_at), typeof(read_purpose) || ' ' || read_purpose, "
                + "typeof(next_read_at), typeof(reads) || ' ' || reads, typeof(read_failures) || ' ' || read_failures, "
                + "typeof(warned_at), typeof(extended_us) || ' ' || extended_us FROM tasks WHERE id = '\(full.id)'")
        #expect(try row.step())
        #expect(
            (0..<11).map { row.text($0) } == [
                "text discovery", "text", "real 1780000040.375", "real", "real", "text confirm", "real",
                "integer 7", "integer 2", "real", "integer 90000250",
            ])
    }

    @Test(arguments: [TaskState.stopped, .stopUnconfirmed])
    func roundTripsTheNewStates(_ state: TaskState) async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var record = SQLiteTaskStoreTests.record(state: state)
        record.attempts = 1
        record.lastHTTPStatus = 204
        record.lastAcceptedAt = Self.date(1_780_000_010)
        record.maiaStatus = state == .stopped ? "ERRORED" : "RUNNING"
        record.confirmedAt = state == .stopped ? Self.date(1_780_000_020.5) : nil
        let store = try await SQLiteTaskStore.open(directory: directory)
        try await store.save([record])
        await store.close()
        let reopened = try await SQLiteTaskStore.open(directory: directory)
        #expect(try await reopened.loadAll() == [record])
        await reopened.close()
        let connection = try SQLiteConnection(path: "\(directory)/\(SQLiteTaskStore.fileName)", readOnly: true)
        defer { connection.close() }
        #expect(try connection.scalarText("SELECT state FROM tasks") == state.rawValue)
    }

    /// A column that does not hold what it must (an unknown state, source or read purpose, a value of the wrong type)
    /// is refused like any other: the store is corrupt, the record is named, and the row is left as it was.
    @Test(arguments: [
        ("state", "'paused'"), ("source", "'carrier_pigeon'"), ("source", "'Discovery'"),
        ("read_purpose", "'restop'"), ("read_purpose", "1"), ("confirmed_at", "'yesterday'"),
        ("unconfirmed_at", "x'00'"), ("last_accepted_at", "'soon'"), ("next_read_at", "'now'"), ("warned_at", "x'01'"),
        ("reads", "'many'"), ("reads", "1.5"), ("read_failures", "'none'"), ("extended_us", "2.5"),
        ("extended_us", "'600s'"),
    ])
    func refusesAnUnusableValue(column: String, value: String) async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/\(SQLiteTaskStore.fileName)"
        let good = SQLiteTaskStoreTests.record()
        let bad = SQLiteTaskStoreTests.record(state: .stopRequested)
        let store = try await SQLiteTaskStore.open(directory: directory)
        try await store.save([good, bad])
        await store.close()
        do {
            let connection = try SQLiteConnection(path: path)
            defer { connection.close() }
            try connection.execute("UPDATE tasks SET \(column) = \(value) WHERE id = '\(bad.id)'")
        }

        let expected = "the record \(bad.id) cannot be read"
        let reopened = try await SQLiteTaskStore.open(directory: directory)
        let error = await #expect(throws: TaskStoreError.self) { _ = try await reopened.loadAll() }
        await reopened.close()
        guard case .corrupt(path, expected) = error else {
            Issue.record("unexpected error \(String(describing: error))")
            return
        }
        let checked = #expect(throws: TaskStoreError.self) { try TaskStoreInspection.inspect(directory: directory) }
        guard case .corrupt(path, expected) = checked else {
            Issue.record("unexpected error \(String(describing: checked))")
            return
        }
        // Nothing discarded: both rows are there, the bad one holding what it held.
        #expect(try Self.scalar(path, "SELECT count(*) FROM tasks") == 2)
        #expect(
            try Self.scalar(
                path, "SELECT count(*) FROM tasks WHERE id = '\(bad.id)' AND \(column) IS \(value)") == 1)
    }

    /// `--check-state` counts the new states, in life-cycle order, and a stop being confirmed is due when its
    /// confirmation gives up.
    @Test func inspectionCountsTheNewStates() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func record(_ state: TaskState, watched: Double) -> TaskRecord {
            var record = SQLiteTaskStoreTests.record(state: state)
            record.watchedAt = Self.date(1_780_000_000 + watched)
            return record
        }
        var confirming = record(.stopRequested, watched: 3)
        confirming.readPurpose = .confirm
        confirming.unconfirmedAt = Self.date(1_780_000_100.25)
        let records = [
            record(.watching, watched: 0), record(.stopped, watched: 1), record(.stopUnconfirmed, watched: 2),
            confirming, record(.stopped, watched: 4),
        ]
        let store = try await SQLiteTaskStore.open(directory: directory)
        try await store.save(records)
        await store.close()
        let inspection = try #require(try TaskStoreInspection.inspect(directory: directory))
        #expect(
            inspection.summary.split(separator: "\n").map(String.init) == [
                "store: \(directory)/\(SQLiteTaskStore.fileName)",
                "schema: version 5",
                "integrity: ok",
                "records: 5 (watching 1, stop_requested 1, stopped 2, stop_unconfirmed 1)",
                "oldest: \(records[0].id) watched 2026-05-28T20:26:40.000Z (watching)",
                "newest: \(records[4].id) watched 2026-05-28T20:26:44.000Z (stopped)",
                "next due: 2026-05-28T20:28:20.250Z",
            ])
    }
}
