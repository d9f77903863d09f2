import Foundation
import Glibc
import TestSupport
import Testing
import WatchdogProtocol

@testable import WatchdogDaemon

/// The real daemon against real systemd interfaces on this machine: a `NOTIFY_SOCKET` datagram
/// listener and `systemd-socket-activate`. (The full service manager is in Tests/EndToEnd.)
@Suite("maia-watchdogd and systemd interfaces", .serialized)
struct SystemdIntegrationTests {
    let examplePolicy = DaemonProcess.repositoryRoot.appendingPathComponent("config/policy.toml").path

    @Test func notifiesReadyStatusWatchdogReloadAndStopping() async throws {
        let watchdogMicroseconds: UInt64 = 600_000
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try await NotifyListener.start(path: "\(directory)/notify")
        let socket = "\(directory)/control.sock"
        let daemon = try DaemonProcess(
            ["--policy", examplePolicy, "--socket", socket, "--dry-run"],
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "\(watchdogMicroseconds)"])
        try await notify.messages.wait(for: "READY=1") { $0.contains { $0.hasPrefix("READY=1") } }
        // READY is the first message, and by then the socket accepts.
        #expect(notify.messages.items.first == "READY=1\nSTATUS=idle, no tasks tracked")
        let status = try await LineClient.request(socket, "status")
        #expect(status.hasPrefix(#"{"ok":true,"daemon":"#))

        // Watchdog pings at half of WATCHDOG_USEC, while the loops answer: never sooner (less 10 % for the
        // reading thread's own delays), and never as late as WATCHDOG_USEC, when systemd would kill the service.
        try await notify.received.wait(for: "four WATCHDOG=1") { $0.filter { $0.text == "WATCHDOG=1" }.count >= 4 }
        let pings = notify.received.items.filter { $0.text == "WATCHDOG=1" }.map(\.microseconds)
        let intervals = zip(pings, pings.dropFirst()).map { $1 - $0 }
        #expect(intervals.count >= 3)
        for interval in intervals {
            #expect(interval >= watchdogMicroseconds / 2 * 9 / 10, "WATCHDOG=1 only \(interval) µs after the last")
            #expect(interval < watchdogMicroseconds, "WATCHDOG=1 \(interval) µs after the last")
        }

        // STATUS= follows the tasks.
        _ = try await LineClient.request(socket, "watch \(UUID().uuidString) max-runtime=1h")
        try await notify.messages.wait(for: "STATUS=watching 1") { $0.contains("STATUS=watching 1") }

        // Reload: RELOADING=1 with MONOTONIC_USEC= in one datagram, then READY=1.
        let before = notify.messages.items.count
        let signalled = monotonicMicroseconds()
        daemon.signal(SIGHUP)
        try await notify.messages.wait(for: "READY after reload") {
            $0.dropFirst(before).contains { $0.hasPrefix("READY=1") }
        }
        let reload = notify.messages.items.dropFirst(before).filter { $0 != "WATCHDOG=1" && !$0.hasPrefix("STATUS=") }
        #expect(reload.count == 2)
        let reloading = try #require(reload.first).split(separator: "\n")
        #expect(reloading.first == "RELOADING=1")
        #expect(reloading.count == 2)
        let field = try #require(reloading.last)
        #expect(field.hasPrefix("MONOTONIC_USEC="))
        let monotonic = try #require(UInt64(field.dropFirst("MONOTONIC_USEC=".count)))
        // Taken after the signal and before the datagram was read: CLOCK_MONOTONIC, in µs, of the reload's start.
        let read = try #require(notify.received.items.first { $0.text.hasPrefix("RELOADING=1") }).microseconds
        #expect(signalled <= monotonic)
        #expect(monotonic <= read)
        #expect(reload.last?.hasPrefix("READY=1\nSTATUS=policy reloaded") == true)

        daemon.signal(SIGTERM)
        try await notify.messages.wait(for: "STOPPING=1") { $0.contains("STOPPING=1") }
        #expect(try await daemon.waitForExit() == 0)
        await notify.close()
    }

    @Test func stalledLoopStopsTheWatchdogPings() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try await NotifyListener.start(path: "\(directory)/notify")
        let daemon = try DaemonProcess(
            ["--policy", examplePolicy, "--socket", "\(directory)/control.sock", "--dry-run"],
            environment: [
                "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000", "MAIA_WATCHDOGD_TEST_STALL_AFTER_MS": "500",
            ])
        try await notify.messages.wait(for: "a first WATCHDOG=1") { $0.contains("WATCHDOG=1") }
        try await daemon.waitForOutput("not pinging the systemd watchdog")
        // A ping sent just before that line may still be queued on the socket: a datagram of our own, sent now,
        // arrives after everything the daemon sent before it (the queue is FIFO), so counting after it is exact.
        try Self.sendDatagram("MARKER=1", to: notify.path)
        try await notify.messages.wait(for: "the marker") { $0.contains("MARKER=1") }
        let pings = notify.messages.items.filter { $0 == "WATCHDOG=1" }.count
        // The daemon still shuts down cleanly, and sent no ping after it found the loop stalled.
        daemon.signal(SIGTERM)
        try await notify.messages.wait(for: "STOPPING=1") { $0.contains("STOPPING=1") }
        #expect(notify.messages.items.filter { $0 == "WATCHDOG=1" }.count == pings)
        #expect(try await daemon.waitForExit() == 0)
        await notify.close()
    }

    /// Sends `text` as one datagram to the Unix socket at `path`.
    static func sendDatagram(_ text: String, to path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0, let address = UnixSocketAddress(path: path) else { throw POSIXError(.EINVAL) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let sent = address.withSockaddr { sockaddr, length in
            bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, sockaddr, length) }
        }
        guard sent == bytes.count else { throw POSIXError(.EIO) }
    }

    @Test func failedStartSaysWhyInStatus() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try await NotifyListener.start(path: "\(directory)/notify")
        let first = try DaemonProcess(
            ["--policy", examplePolicy, "--socket", "\(directory)/control.sock", "--dry-run"])
        try await first.waitForOutput("ready on")
        let second = try DaemonProcess(
            ["--policy", examplePolicy, "--socket", "\(directory)/control.sock", "--dry-run"],
            environment: ["NOTIFY_SOCKET": notify.path])
        #expect(try await second.waitForExit() == 1)
        try await notify.messages.wait(for: "STATUS of the failed start") { !$0.isEmpty }
        #expect(
            notify.messages.items.first
                == "STATUS=cannot start: another maia-watchdogd is already listening on \(directory)/control.sock\n"
                + "ERRNO=\(EADDRINUSE)")
        first.signal(SIGTERM)
        #expect(try await first.waitForExit() == 0)
        await notify.close()
    }

    /// A failed start that the contract gives an errno of its own: the policy, the credentials, the saved state.
    enum FailedStart: String, CaseIterable, Sendable {
        case unparsablePolicy, missingCredentials, corruptState, newerSchema, unreadableState
    }

    @Test("every failed start sends STATUS= and the contract's ERRNO=", arguments: FailedStart.allCases)
    func failedStartSendsErrno(_ failure: FailedStart) async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try await NotifyListener.start(path: "\(directory)/notify")
        var policy = examplePolicy
        var arguments = ["--dry-run"]
        var environment = ["NOTIFY_SOCKET": notify.path]
        let expected: (exit: Int32, errno: Int32)
        switch failure {
        case .unparsablePolicy:
            // Two bytes that aborted the TOML parser (and so the daemon) before it was replaced.
            policy = "\(directory)/policy.toml"
            try Data("[\n".utf8).write(to: URL(fileURLWithPath: policy))
            expected = (78, EINVAL)
        case .missingCredentials:
            arguments = []
            environment["CREDENTIALS_DIRECTORY"] = "\(directory)/no-credentials"
            policy = "\(directory)/policy.toml"
            let text = try String(contentsOfFile: examplePolicy, encoding: .utf8)
                .replacingOccurrences(of: "dry_run = true", with: "dry_run = false")
            try Data(text.utf8).write(to: URL(fileURLWithPath: policy))
            expected = (78, ENOKEY)
        case .corruptState:
            try FileManager.default.createDirectory(atPath: "\(directory)/state", withIntermediateDirectories: true)
            try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: "\(directory)/state/tasks.sqlite3"))
            expected = (65, EUCLEAN)
        case .newerSchema:
            // A store a later version wrote: ours, by its application_id, with a schema version beyond ours.
            try FileManager.default.createDirectory(atPath: "\(directory)/state", withIntermediateDirectories: true)
            let store = try SQLiteConnection(path: "\(directory)/state/tasks.sqlite3")
            try store.execute("PRAGMA application_id = \(SQLiteTaskWriter.applicationID)")
            try store.execute("PRAGMA user_version = \(SQLiteTaskWriter.schemaVersion + 1)")
            try store.execute("CREATE TABLE tasks (id TEXT PRIMARY KEY)")
            store.close()
            expected = (65, EUCLEAN)
        case .unreadableState:
            // Nothing SQLite can open is at the store's path (as root, a file mode would not keep us out).
            try FileManager.default.createDirectory(
                atPath: "\(directory)/state/tasks.sqlite3", withIntermediateDirectories: true)
            expected = (65, EUCLEAN)
        }
        let daemon = try DaemonProcess(
            ["--policy", policy, "--socket", "\(directory)/control.sock", "--state-dir", "\(directory)/state"]
                + arguments,
            environment: environment)
        #expect(try await daemon.waitForExit() == expected.exit)
        try await notify.messages.wait(for: "STATUS of the failed start") { !$0.isEmpty }
        let message = try #require(notify.messages.items.first).split(separator: "\n")
        #expect(message.count == 2)
        #expect(message.first?.hasPrefix("STATUS=") == true)
        #expect(message.last == "ERRNO=\(expected.errno)")
        #expect(!notify.messages.items.contains { $0.hasPrefix("READY=1") })
        if failure == .newerSchema {
            // Nothing is discarded: the newer store is still there, as it was.
            let store = try SQLiteConnection(path: "\(directory)/state/tasks.sqlite3", readOnly: true)
            #expect(try store.scalarInt("PRAGMA user_version") == Int64(SQLiteTaskWriter.schemaVersion + 1))
            store.close()
            #expect(daemon.lines.contains { $0.contains("newer than this maia-watchdogd supports") })
        }
        await notify.close()
    }

    @Test func servesASocketPassedBySocketActivation() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socket = "\(directory)/activated.sock"
        let daemon = try DaemonProcess(
            // systemd-socket-activate passes no environment on, so the state directory is explicit.
            [
                "--policy", examplePolicy, "--dry-run", "--socket", "\(directory)/not-used.sock", "--state-dir",
                "\(directory)/state",
            ],
            launcher: ["/usr/bin/systemd-socket-activate", "-l", socket])
        try await daemon.waitForOutput("Listening on \(socket)")
        // The first connection starts the daemon, which serves it on the passed socket.
        let status = try await LineClient.request(socket, "status")
        #expect(status.hasPrefix(#"{"ok":true,"daemon":"#))
        try await daemon.waitForOutput("ready on \(socket)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/not-used.sock"))
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        // A socket systemd owns is never unlinked by the daemon.
        #expect(FileManager.default.fileExists(atPath: socket))
    }
}
