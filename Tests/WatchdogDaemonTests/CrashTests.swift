import Foundation
import Glibc
import MaiaStandIn
import Synchronization
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// The durability contract under `kill -9`: the real daemon, the real socket, the real store, a
/// Maia stand-in that answers some stops with 502 so tasks back off; SIGKILL at random moments,
/// restart on the same state, many rounds.
///
/// The random choices (when each daemon is killed, which tasks get 502s, which are already past their deadline) come
/// from one seed, printed at the start and named in every failure. `CRASH_SEED=<seed> swift test --filter CrashTests`
/// replays those choices; the machine's own timing (how far a daemon got before its kill) is not replayed.
@Suite("Crash and restart", .serialized)
struct CrashTests {
    static let rounds = 30

    /// `$CRASH_SEED` (decimal) when set, to replay a failed run, else a fresh random seed.
    static func seed() throws -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["CRASH_SEED"] else {
            return UInt64.random(in: 0...UInt64.max)
        }
        guard let seed = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
            throw HarnessError.unexpected("CRASH_SEED=\(text) is not a decimal number from 0 to \(UInt64.max)")
        }
        return seed
    }
    static let policy = """
        max_runtime = "1h"
        allow = ["*"]
        retention = "1h"
        [retry]
        initial_backoff = "20ms"
        max_backoff = "150ms"
        give_up_after = "10min"
        """

    /// One daemon's life: when it was launched, and the state of every task in the store just
    /// after it was killed (`nil` for the last, cleanly stopped one).
    struct Life {
        var launched: ContinuousClock.Instant
        var storedAfterKill: [String: TaskState]?
        /// Stop attempts this daemon logged (just before sending them), per task.
        var attemptsLogged: [String: Int] = [:]

        mutating func readAttempts(_ lines: [String]) {
            for line in lines {
                guard let match = line.firstMatch(of: /stop attempt \d+ for task ([0-9a-f-]{36})$/) else { continue }
                attemptsLogged[String(match.1), default: 0] += 1
            }
        }
    }

    @Test func everyAcknowledgedWatchSurvivesSIGKILLAndIsStopped() async throws {
        let fixture = try await DaemonFixture.make(Self.policy)
        defer { Task { await fixture.cleanUp() } }
        let seed = try Self.seed()
        // Printed first, so that a run that fails half way (a bound running out) can be replayed too.
        print("crash test: seed \(seed) (replay with CRASH_SEED=\(seed))")
        var random = SplitMix64(seed: seed)
        let acknowledged = Locked<Set<String>>([])
        let sent = Locked<Int>(0)
        var lives: [Life] = []
        var lost: Set<String> = []

        for round in 0..<Self.rounds {
            lives.append(Life(launched: .now, storedAfterKill: nil))
            let daemon = try await fixture.start()
            let killAfter = Duration.milliseconds(Int.random(in: 5...250, using: &random))
            let streamSeed = random.next()
            await withTaskGroup(of: Void.self) { group in
                for stream in 0..<2 {
                    group.addTask {
                        await Self.streamWatches(
                            fixture, seed: streamSeed &+ UInt64(stream), sent: sent, acknowledged: acknowledged)
                    }
                }
                // The random moment: the point of this test is that it is not chosen by any event.
                try? await Task.sleep(for: killAfter)
                daemon.signal(SIGKILL)
                _ = try? await daemon.waitForExit(within: .seconds(20))
                await group.waitForAll()
            }
            let inspection = try TaskStoreInspection.inspect(directory: fixture.stateDirectory)
            let stored = Dictionary(
                (inspection?.records ?? []).map { ($0.id.rawValue, $0.state) }, uniquingKeysWith: { a, _ in a })
            lives[round].storedAfterKill = stored
            lives[round].readAttempts(daemon.lines)
            let missing = acknowledged.withLock { $0 }.subtracting(stored.keys)
            if !missing.isEmpty { print("round \(round): \(missing.count) acknowledged watches missing after SIGKILL") }
            lost.formUnion(missing)
        }

        // A last start: everything acknowledged must get its stop.
        let acked = acknowledged.withLock { $0 }
        lives.append(Life(launched: .now, storedAfterKill: nil))
        let daemon = try await fixture.start()
        try await withBound(.seconds(30), "every acknowledged task to be stopped") {
            var count = 0
            while true {
                let requests = fixture.standIn.requests
                let stopped = Set(requests.filter { $0.answer.finalStatus == 204 }.compactMap(\.taskID))
                if acked.isSubset(of: stopped) { return }
                count = requests.count + 1
                _ = try? await fixture.standIn.waitForRequests(count: count, timeout: .seconds(30))
            }
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        lives[lives.count - 1].readAttempts(daemon.lines)
        let final = try #require(try TaskStoreInspection.inspect(directory: fixture.stateDirectory))
        let finalStates = Dictionary(final.records.map { ($0.id.rawValue, $0.state) }, uniquingKeysWith: { a, _ in a })
        let notStopped = acked.filter { finalStates[$0] != .stopRequested }

        let figures = Self.duplicates(fixture.standIn.requests, lives: lives)
        let requests = fixture.standIn.requests
        print(
            """
            crash test (seed \(seed)): \(Self.rounds) rounds of SIGKILL; watches sent \(sent.withLock { $0 }), \
            acknowledged \(acked.count), lost \(lost.count), not stopped \(notStopped.count); \
            stop calls \(requests.count) (\(requests.filter { $0.answer.finalStatus == 502 }.count) answered 502), \
            duplicated \(figures.honest + figures.unexplained) (\(figures.honest) retries of an attempt whose answer \
            was lost in the crash, \(figures.unexplained) unexplained)
            """)
        // Every call was logged as an attempt before it was sent (this also checks the log parsing).
        let replay = Comment(rawValue: "replay with CRASH_SEED=\(seed)")
        #expect(lives.map { $0.attemptsLogged.values.reduce(0, +) }.reduce(0, +) >= requests.count, replay)
        #expect(acked.count > 0, replay)
        #expect(lost.isEmpty, replay)
        #expect(notStopped.isEmpty, replay)
        #expect(figures.unexplained == 0, replay)
    }

    /// Watches on one connection, pipelined 16 at a time, until the daemon goes away. A third of the
    /// tasks get two 502s before their 204; half are already past their deadline, half get 300ms.
    static func streamWatches(
        _ fixture: DaemonFixture, seed: UInt64, sent: Locked<Int>, acknowledged: Locked<Set<String>>
    ) async {
        var random = SplitMix64(seed: seed)
        let past = RFC3339Text.hoursAgo(2)
        _ = try? await LineClient.with(fixture.socket) { session in
            while true {
                var batch: [String] = []
                var lines = ""
                for _ in 0..<16 {
                    let id = UUID().uuidString.lowercased()
                    if random.next() % 3 == 0 { fixture.standIn.script(id, [.status(502), .status(502)]) }
                    let options = random.next() % 2 == 0 ? "started-at=\(past)" : "max-runtime=300ms"
                    batch.append(id)
                    lines += "watch \(id) \(options)\n"
                }
                try await session.send(lines)
                sent.withLock { $0 += batch.count }
                for id in batch {
                    guard let response = try await session.readLine() else { return }
                    guard response.hasPrefix(#"{"ok":true"#) else { continue }
                    acknowledged.withLock { _ = $0.insert(id) }
                }
            }
        }
    }

    /// A stop call for a task after its first 204 is a duplicate. It is honest when it came from a
    /// later daemon than the 204 and the store, just after the daemon that got the 204 was killed,
    /// still had the task `stopping` (the answer died with the process); otherwise it is
    /// unexplained. A request belongs to the last daemon launched before the stand-in saw it,
    /// except that a request a killed daemon sent can be read by the stand-in only after the next
    /// daemon was launched: when both calls seem to come from one daemon that logged a single
    /// attempt for the task, the first came from the daemon before.
    static func duplicates(_ requests: [RecordedRequest], lives: [Life]) -> (honest: Int, unexplained: Int) {
        func life(_ request: RecordedRequest) -> Int {
            (lives.lastIndex { $0.launched <= request.monotonic } ?? 0)
        }
        var firstAccepted: [String: RecordedRequest] = [:]
        var honest = 0
        var unexplained = 0
        for request in requests {
            guard let id = request.taskID else { continue }
            guard let accepted = firstAccepted[id] else {
                if request.answer.finalStatus == 204 { firstAccepted[id] = request }
                continue
            }
            var acceptedBy = life(accepted)
            if acceptedBy == life(request) && acceptedBy > 0 && lives[acceptedBy].attemptsLogged[id, default: 0] < 2 {
                acceptedBy -= 1
            }
            if acceptedBy < life(request) && lives[acceptedBy].storedAfterKill?[id] == .stopping {
                honest += 1
            } else {
                unexplained += 1
                let calls = requests.filter { $0.taskID == id }.map { "\($0.answer) in life \(life($0))" }
                let logged = lives.indices.compactMap { index in
                    lives[index].attemptsLogged[id].map { "life \(index): \($0)" }
                }
                let stored = lives.indices.compactMap { index in
                    lives[index].storedAfterKill?[id].map { "after kill \(index): \($0.rawValue)" }
                }
                print("unexplained duplicate for \(id): calls \(calls); attempts logged \(logged); stored \(stored)")
            }
        }
        return (honest, unexplained)
    }
}
