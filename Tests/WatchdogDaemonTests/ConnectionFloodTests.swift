import Foundation
import Glibc
import NIOCore
import TestSupport
import Testing

/// The attack's reproduction with the real binary: a flood of idle local connections from one process, under a
/// low descriptor limit. The daemon raises its soft limit to the hard one, holds at most 64 connections from the
/// flooding process (the rest get an `unavailable` line and are closed), and still serves another client.
@Suite("maia-watchdogd under a connection flood", .serialized)
struct ConnectionFloodTests {
    let examplePolicy = DaemonProcess.repositoryRoot.appendingPathComponent("config/policy.toml").path

    /// The soft and hard "Max open files" of a process, from /proc.
    static func openFileLimits(_ pid: Int32) throws -> (soft: Int, hard: Int) {
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        return (numbers[0], numbers[1])
    }

    @Test func floodFromOneProcessIsCappedAndOthersAreServed() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = "\(directory)/control.sock"
        // systemd's shape (soft below hard), scaled down: the old daemon ran out at 281 connections with 256.
        let daemon = try await startDaemon(socket, descriptors: "256:4096")
        #expect(try Self.openFileLimits(daemon.pid) == (4096, 4096))
        #expect(daemon.lines.contains { $0.contains("raised the open-file limit from 256 to 4096") })

        // 150 connections from this process, each asking for the daemon's status, all open until all have answered.
        var channels: [NIOAsyncChannel<ByteBuffer, ByteBuffer>] = []
        for _ in 0..<150 { channels.append(try await LineClient.connect(socket)) }
        let answers = try await Self.holdingOpen(channels) { $0 }
        #expect(answers.filter { $0.hasPrefix(#"{"ok":true,"daemon":"#) }.count == 64)
        let refused = answers.filter { $0.hasPrefix(#"{"ok":false,"error":"unavailable""#) }
        #expect(refused.count == 86)
        #expect(refused.first?.contains("too many control connections from pid \(getpid())") == true)
        // Logged at the first refusal and at every 100th, not once per connection.
        #expect(daemon.lines.filter { $0.contains("refused a control connection") }.count == 1)

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func anotherClientIsServedWhileTheFloodHoldsItsConnections() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = "\(directory)/control.sock"
        let daemon = try await startDaemon(socket, descriptors: "256:4096")
        var flood: [NIOAsyncChannel<ByteBuffer, ByteBuffer>] = []
        for _ in 0..<150 { flood.append(try await LineClient.connect(socket)) }
        let answer = try await Self.holdingOpen(flood) { _ in try await Self.ctlStatus(socket) }
        #expect(answer.status == 0)
        #expect(answer.output.contains(#""ok":true"#))

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func atTheCapTheIdlestConnectionMakesRoomForANewClient() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = "\(directory)/control.sock"
        // A hard limit of 128 descriptors: fewer connections than one process may hold (64), so the cap on all is what
        // this flood from one process meets. The cap depends on the descriptors open at start; the daemon says it.
        let daemon = try await startDaemon(socket, descriptors: "128:128")
        let announced = try #require(daemon.lines.first { $0.contains("control connections: at most ") })
        let cap = try #require(
            announced.split(separator: "at most ").last?.split(separator: ",").first.flatMap { Int($0) })
        #expect((4..<64).contains(cap))
        var flood: [NIOAsyncChannel<ByteBuffer, ByteBuffer>] = []
        for _ in 0..<cap { flood.append(try await LineClient.connect(socket)) }
        let (answers, late, busy) = try await Self.holdingOpen(flood) { answers in
            // Every connection has just been answered: none is idle, so a new one is refused.
            let busy = try await LineClient.request(socket, "status")
            // The one wait here that is about time itself: only a connection idle for a second is closed.
            try await Task.sleep(for: .milliseconds(1100))
            return (answers, try await LineClient.request(socket, "status"), busy)
        }
        #expect(answers.allSatisfy { $0.hasPrefix(#"{"ok":true,"daemon":"#) })
        #expect(busy.contains("all busy"))
        #expect(late.hasPrefix(#"{"ok":true,"daemon":"#))
        #expect(daemon.lines.contains { $0.contains("closed the idlest to serve pid \(getpid())") })
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    /// The daemon in dry run on `socket`, under a descriptor limit (`soft:hard`) set by prlimit, once it is ready.
    func startDaemon(_ socket: String, descriptors: String) async throws -> DaemonProcess {
        let daemon = try DaemonProcess(
            ["--policy", examplePolicy, "--socket", socket, "--dry-run"],
            launcher: ["/usr/bin/prlimit", "--nofile=\(descriptors)"])
        try await daemon.waitForOutput("ready on")
        return daemon
    }

    /// `maia-watchdogctl --json status`, a client in another process.
    static func ctlStatus(_ socket: String) async throws -> (status: Int32, output: String) {
        let ctl = DaemonProcess.productsDirectory.appendingPathComponent("maia-watchdogctl")
        let outcome = try await ChildProcess.run(ctl, ["--socket", socket, "--json", "status"])
        return (outcome.status, outcome.standardOutput)
    }

    /// Sends `status` on every connection and reads its first line (empty when none came), then runs `body` with
    /// the answers while every connection is still open, and closes them all.
    static func holdingOpen<T: Sendable>(
        _ channels: [NIOAsyncChannel<ByteBuffer, ByteBuffer>], answers: [String] = [],
        _ body: @Sendable ([String]) async throws -> T
    ) async throws -> T {
        guard let channel = channels.first else { return try await body(answers) }
        return try await channel.executeThenClose { inbound, outbound in
            try? await outbound.write(ByteBuffer(string: "status\n"))
            var lines = inbound.makeAsyncIterator()
            let line = (try? await lines.next()).flatMap { $0.map { String(buffer: $0) } } ?? ""
            return try await holdingOpen(Array(channels.dropFirst()), answers: answers + [line], body)
        }
    }
}
