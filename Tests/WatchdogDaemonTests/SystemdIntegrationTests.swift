import Foundation
import Glibc
import Testing

/// The real daemon against real systemd interfaces on this machine: a `NOTIFY_SOCKET` datagram
/// listener and `systemd-socket-activate`. (The full service manager is in Tests/EndToEnd.)
@Suite("maia-watchdogd and systemd interfaces", .serialized)
struct SystemdIntegrationTests {
    let examplePolicy = DaemonProcess.repositoryRoot.appendingPathComponent("config/policy.toml").path

    @Test func notifiesReadyStatusWatchdogReloadAndStopping() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let notify = try await NotifyListener.start(path: "\(directory)/notify")
        let socket = "\(directory)/control.sock"
        let daemon = try DaemonProcess(
            ["--policy", examplePolicy, "--socket", socket, "--dry-run"],
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"])
        try await notify.messages.wait(for: "READY=1") { $0.contains { $0.hasPrefix("READY=1") } }
        // READY is the first message, and by then the socket accepts.
        #expect(notify.messages.items.first == "READY=1\nSTATUS=idle, no tasks tracked")
        let status = try await LineClient.request(socket, "status")
        #expect(status.hasPrefix(#"{"ok":true,"daemon":"#))

        // Watchdog pings at half of WATCHDOG_USEC, while the loops answer.
        try await notify.messages.wait(for: "three WATCHDOG=1") { $0.filter { $0 == "WATCHDOG=1" }.count >= 3 }

        // STATUS= follows the tasks.
        _ = try await LineClient.request(socket, "watch \(UUID().uuidString) max-runtime=1h")
        try await notify.messages.wait(for: "STATUS=watching 1") { $0.contains("STATUS=watching 1") }

        // Reload: RELOADING=1 with MONOTONIC_USEC= in one datagram, then READY=1.
        let before = notify.messages.items.count
        daemon.signal(SIGHUP)
        try await notify.messages.wait(for: "READY after reload") {
            $0.dropFirst(before).contains { $0.hasPrefix("READY=1") }
        }
        let reload = notify.messages.items.dropFirst(before).filter { $0 != "WATCHDOG=1" && !$0.hasPrefix("STATUS=") }
        #expect(reload.count == 2)
        let reloading = try #require(reload.first).split(separator: "\n")
        #expect(reloading.first == "RELOADING=1")
        let monotonic = try #require(reloading.last?.split(separator: "=").last.flatMap { UInt64($0) })
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        #expect(monotonic <= UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000)
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
        let pings = notify.messages.items.filter { $0 == "WATCHDOG=1" }.count
        // The daemon still shuts down cleanly, and sent no ping after it found the loop stalled.
        daemon.signal(SIGTERM)
        try await notify.messages.wait(for: "STOPPING=1") { $0.contains("STOPPING=1") }
        #expect(notify.messages.items.filter { $0 == "WATCHDOG=1" }.count == pings)
        #expect(try await daemon.waitForExit() == 0)
        await notify.close()
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
