import Foundation
import Testing
import WatchdogCore

@testable import WatchdogDaemon

@Suite("SQLite checkpoints off the commit path")
struct SQLiteCheckpointTests {
    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    func save(_ store: SQLiteTaskStore, commits: Int) async throws {
        for _ in 0..<commits { try await store.save((0..<20).map { _ in SQLiteTaskStoreTests.record() }) }
    }

    /// Commits never checkpoint (the writer's automatic checkpoint is off), so the database file
    /// keeps its first size while the log grows, until `cap` commits ask for a checkpoint, which
    /// copies the log into the file; closing leaves no log behind and loses nothing.
    @Test func aCheckpointAfterCapCommits() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(
            directory: directory, checkpointQuiet: .seconds(60), checkpointCap: 100)
        let file = store.path
        let initial = size(file)
        try await save(store, commits: 99)
        #expect(size(file) == initial)
        #expect(size(file + "-wal") > 1_000_000)
        try await save(store, commits: 1)
        try await withBound(.seconds(10), "the checkpoint") {
            while self.size(file) < 200_000 { try? await Task.sleep(for: .milliseconds(5)) }
        }
        await store.close()
        #expect(!FileManager.default.fileExists(atPath: file + "-wal"))
        let reopened = try await SQLiteTaskStore.open(directory: directory)
        #expect(try await reopened.loadAll().count == 100 * 20)
        await reopened.close()
    }

    /// Far below the cap, a store that goes quiet is checkpointed once the quiet time has passed.
    @Test func aCheckpointOnceQuiet() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(
            directory: directory, checkpointQuiet: .milliseconds(100), checkpointCap: 10_000)
        let file = store.path
        try await save(store, commits: 30)
        try await withBound(.seconds(10), "the checkpoint") {
            while self.size(file) < 100_000 { try? await Task.sleep(for: .milliseconds(5)) }
        }
        await store.close()
    }
}
