import Foundation
import Glibc
import Logging
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

extension SQLiteTaskStore {
    /// A store whose log goes nowhere, for tests that do not read it.
    static func open(directory: String) async throws -> SQLiteTaskStore {
        try await open(directory: directory, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }
}

/// The file deleted or replaced under a running store (issue: "deleting the store while the daemon runs silently
/// loses everything acknowledged").
@Suite("SQLite task store: the file deleted or replaced while open")
struct SQLiteStoreReplacementTests {
    static let path = SQLiteTaskStore.fileName

    @Test("rm tasks.sqlite3* then a write: the fresh file holds every record, before that write is acknowledged")
    func deletedFileIsWrittenAfresh() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = LogRecorder()
        let store = try await SQLiteTaskStore.open(directory: directory, logger: log.logger())
        let first = SQLiteTaskStoreTests.record()
        try await store.save([first])
        for suffix in ["", "-wal", "-shm"] { unlink("\(directory)/\(Self.path)\(suffix)") }

        let second = SQLiteTaskStoreTests.record()
        try await store.save([second])
        // Acknowledged means on disk at the path: another connection reads both, with the daemon's store still open.
        let reader = try SQLiteConnection(path: "\(directory)/\(Self.path)")
        #expect(
            try SQLiteTaskWriter.records(reader, path: Self.path).map(\.id).sorted() == [first.id, second.id].sorted())
        reader.close()
        #expect(store.recreatedCount == 1)
        let critical = log.events(WatchdogEvent.storeRecreated.rawValue)
        #expect(critical.count == 1)
        #expect(critical.first?.level == .critical)
        #expect(critical.first?.message.contains("1 records") == true)

        // Later writes go to the fresh file, and no second recreation happens.
        try await store.remove([first.id])
        await store.close()
        #expect(store.recreatedCount == 1)
        let reopened = try await SQLiteTaskStore.open(directory: directory)
        #expect(try await reopened.loadAll() == [second])
        await reopened.close()
    }

    @Test("a file put in its place is moved aside, never overwritten; the state directory itself may go too")
    func replacedFileIsMovedAside() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = "\(directory)/state"
        let store = try await SQLiteTaskStore.open(directory: state)
        let first = SQLiteTaskStoreTests.record()
        try await store.save([first])

        // Someone replaces the file with another one (a restored backup, say).
        let stranger = Data("not ours".utf8)
        try stranger.write(to: URL(fileURLWithPath: "\(state)/\(Self.path).new"))
        #expect(rename("\(state)/\(Self.path).new", "\(state)/\(Self.path)") == 0)
        let second = SQLiteTaskStoreTests.record()
        try await store.save([second])
        // The file, and the log and index beside it (a stranger's log must never be replayed into the fresh store).
        let aside = try FileManager.default.contentsOfDirectory(atPath: state).filter {
            $0.contains(".replaced-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm")
        }
        #expect(aside.count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(state)/\(aside[0])")) == stranger)

        // Then the whole directory goes.
        try FileManager.default.removeItem(atPath: state)
        let third = SQLiteTaskStoreTests.record()
        try await store.save([third])
        #expect(store.recreatedCount == 2)
        await store.close()
        let reopened = try await SQLiteTaskStore.open(directory: state)
        #expect(Set(try await reopened.loadAll().map(\.id)) == [first.id, second.id, third.id])
        await reopened.close()
    }

    @Test("deleted while idle: closing the store writes it afresh, so the next start finds every record")
    func deletedBeforeCloseIsWrittenAtClose() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(directory: directory)
        let record = SQLiteTaskStoreTests.record()
        try await store.save([record])
        for suffix in ["", "-wal", "-shm"] { unlink("\(directory)/\(Self.path)\(suffix)") }
        await store.close()
        let reopened = try await SQLiteTaskStore.open(directory: directory)
        #expect(try await reopened.loadAll() == [record])
        await reopened.close()
    }
}
