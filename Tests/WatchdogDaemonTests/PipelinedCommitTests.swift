import Foundation
import Logging
import ServiceLifecycle
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// One connection that pipelines watches does not wait for one commit per watch: while the
/// store cannot write (another connection holds the file's write lock), every watch of the
/// connection is applied and queued, and they commit together (one transaction, two at most when
/// the writer took the first watch alone before it found the lock taken); the answers still come
/// back in order, each after its commit.
@Suite("Pipelined watches on one connection")
struct PipelinedCommitTests {
    @Test func pipelinedWatchesShareOneCommit() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try await SQLiteTaskStore.open(directory: "\(directory)/state")
        let counted = CountingTaskStore(store)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let enforcer = EnforcerService(
            configuration: .init(policyPath: "/dev/null", version: "test"), policy: Harness.policy(),
            clock: ManualClock(), caller: DryRunCaller(hasToken: false), store: counted,
            random: SplitMix64(seed: 1), logger: logger)
        let socket = "\(directory)/control.sock"
        let listener = try await ControlSocketListener.bind(path: socket)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: enforcer),
                    .init(
                        service: ControlSocketService(
                            listener: listener, enforcer: enforcer, limits: .standard(descriptorLimit: 1024),
                            logger: logger)),
                ],
                gracefulShutdownSignals: [], logger: logger))
        let ids = (0..<50).map { _ in TaskID.random() }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let lock = try SQLiteWriteLock(path: store.path)
            let before = counted.submits
            let answers = try await LineClient.with(socket) { session in
                try await session.send(ids.map { "watch \($0)\n" }.joined())
                try await counted.queued.wait(for: ids.count, within: .seconds(4), "every watch to be queued")
                try lock.release()
                var answers: [String] = []
                for _ in ids { answers.append(try await session.readLine() ?? "") }
                return answers
            }
            #expect(counted.submits - before == ids.count)
            #expect(counted.commits(after: before) <= 2)
            for (id, answer) in zip(ids, answers) {
                #expect(answer.hasPrefix(#"{"ok":true,"task":{"id":"\#(id)""#))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(try await store.loadAll().count == ids.count)
    }
}
