import Foundation
import TestSupport
import Testing
import WatchdogCore

@testable import WatchdogDaemon

@Suite("SQLite store at close")
struct SQLiteStoreCloseTests {
    /// Closing folds the write-ahead log into the file (a restart reads no log), keeps every
    /// record, and the schema has no index by state (version 3 dropped it).
    @Test func closeLeavesOneFileWithEverything() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(directory: directory)
        for _ in 0..<50 { try await store.save((0..<20).map { _ in SQLiteTaskStoreTests.record() }) }
        #expect(FileManager.default.fileExists(atPath: store.path + "-wal"))
        await store.close()
        #expect(!FileManager.default.fileExists(atPath: store.path + "-wal"))
        let check = try SQLiteConnection(path: store.path)
        #expect(try check.scalarInt("SELECT count(*) FROM tasks") == 1000)
        #expect(try check.scalarInt("SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL") == 0)
        #expect(try check.scalarInt("PRAGMA user_version") == Int64(SQLiteTaskWriter.schemaVersion))
        check.close()
    }
}
