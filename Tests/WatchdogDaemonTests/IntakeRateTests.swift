import Foundation
import Glibc
import Testing
import WatchdogCore

/// A quick measurement (not a benchmark) of acknowledged, durable watches per second against the
/// real daemon: each `ok` is sent only after the watch's commit (WAL, synchronous=FULL).
@Suite("Intake rate", .serialized)
struct IntakeRateTests {
    @Test func acknowledgedDurableWatchesPerSecond() async throws {
        let fixture = try await DaemonFixture.make()
        defer { Task { await fixture.cleanUp() } }
        let daemon = try await fixture.start()
        for connections in [1, 8] {
            let perConnection = 2000 / connections
            let start = ContinuousClock.now
            let acknowledged = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<connections {
                    group.addTask { try await Self.pipeline(fixture.socket, count: perConnection, window: 64) }
                }
                return try await group.reduce(0, +)
            }
            let elapsed = ContinuousClock.now - start
            let rate = Double(acknowledged) / elapsed.timeInterval
            print(
                "intake: \(acknowledged) acknowledged durable watches in \(elapsed) on \(connections) pipelined "
                    + "connection(s): \(Int(rate))/s")
            #expect(acknowledged == perConnection * connections)
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    /// Sends `count` watches `window` at a time, reading each window's answers before the next.
    static func pipeline(_ socket: String, count: Int, window: Int) async throws -> Int {
        try await LineClient.with(socket) { session in
            var acknowledged = 0
            var remaining = count
            while remaining > 0 {
                let size = min(window, remaining)
                remaining -= size
                try await session.send((0..<size).map { _ in "watch \(UUID().uuidString)\n" }.joined())
                for _ in 0..<size {
                    guard let line = try await session.readLine() else { return acknowledged }
                    if line.hasPrefix(#"{"ok":true"#) { acknowledged += 1 }
                }
            }
            return acknowledged
        }
    }
}
