import Foundation
import Glibc
import MaiaStandIn
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// The saved state with the real `maia-watchdogd` binary: restarts, a corrupt store, `--check-state`.
@Suite("maia-watchdogd saved state", .serialized)
struct StoreProcessTests {
    /// Killed while a task is watched; its deadline passes while the daemon is down; at the next
    /// start the task is stopped at once.
    @Test func actsAtStartOnADeadlineThatPassedWhileDown() async throws {
        let fixture = try await DaemonFixture.make()
        defer { Task { await fixture.cleanUp() } }
        let first = try await fixture.start()
        let id = UUID().uuidString.lowercased()
        let acknowledged = ContinuousClock.now
        let response = try await LineClient.request(fixture.socket, "watch \(id) max-runtime=1s")
        #expect(response.contains(#""ok":true"#))
        first.signal(SIGKILL)
        _ = try await first.waitForExit()

        // Down across the deadline (the one wait here that is about time itself passing).
        try await Task.sleep(until: acknowledged + .milliseconds(1200), clock: .continuous)
        #expect(fixture.standIn.requests.isEmpty)

        let second = try await fixture.start()
        let requests = try await fixture.standIn.waitForRequests(count: 1, timeout: .seconds(20))
        #expect(requests.first?.taskID == id)
        try await second.waitForOutput("stop_requested", within: .seconds(20))
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
        let stored = try #require(try TaskStoreInspection.inspect(directory: fixture.stateDirectory))
        #expect(stored.records.map(\.id.rawValue) == [id])
        #expect(stored.records.first?.state == .stopRequested)
    }

    /// A corrupt store: the daemon refuses to start with exit status 65 and says what to do;
    /// `--check-state` reports it with the same status; the file is left as it was.
    @Test func refusesACorruptStoreWithItsOwnExitStatus() async throws {
        let fixture = try await DaemonFixture.make()
        defer { Task { await fixture.cleanUp() } }
        try FileManager.default.createDirectory(atPath: fixture.stateDirectory, withIntermediateDirectories: true)
        let path = "\(fixture.stateDirectory)/tasks.sqlite3"
        let garbage = Data("this is no database\n".utf8) + Data(repeating: 0x42, count: 4000)
        try garbage.write(to: URL(fileURLWithPath: path))

        let daemon = try fixture.launch()
        #expect(try await daemon.waitForExit() == 65)
        let output = daemon.lines.joined(separator: "\n")
        #expect(output.contains("is corrupt"))
        #expect(output.contains("--check-state --state-dir \(fixture.stateDirectory)"))

        let check = try DaemonProcess(["--check-state", "--state-dir", fixture.stateDirectory])
        #expect(try await check.waitForExit() == 65)
        #expect(check.lines.contains { $0.contains(path) })
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)

        // Moved aside (the documented way out), the daemon starts on an empty store.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".corrupt")
        let fresh = try await fixture.start()
        // Served once before SIGTERM: "ready" is logged just before the signal handlers are installed.
        #expect(try await LineClient.request(fixture.socket, "status").contains(#""ok":true"#))
        fresh.signal(SIGTERM)
        #expect(try await fresh.waitForExit() == 0)
    }

    @Test func checkStateSummarisesAHealthyStore() async throws {
        let fixture = try await DaemonFixture.make()
        defer { Task { await fixture.cleanUp() } }
        let missing = try DaemonProcess(["--check-state", "--state-dir", fixture.stateDirectory])
        #expect(try await missing.waitForExit() == 0)
        #expect(missing.lines.contains { $0.contains("does not exist") })

        let daemon = try await fixture.start()
        for _ in 0..<3 {
            let response = try await LineClient.request(fixture.socket, "watch \(UUID().uuidString)")
            #expect(response.contains(#""ok":true"#))
        }
        // Read-only beside the running daemon.
        let check = try DaemonProcess(["--check-state", "--state-dir", fixture.stateDirectory])
        #expect(try await check.waitForExit() == 0)
        #expect(check.lines.contains("records: 3 (watching 3)"))
        #expect(check.lines.contains("integrity: ok"))
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    /// The attack's reproduction: watch, `rm state/tasks.sqlite3*`, watch another (answered ok), restart. Both
    /// tasks are back, the deletion is logged at crit, and `status` counts it.
    @Test func aStoreDeletedWhileRunningIsWrittenAfresh() async throws {
        let fixture = try await DaemonFixture.make()
        defer { Task { await fixture.cleanUp() } }
        let first = try await fixture.start()
        let ids = [UUID().uuidString.lowercased(), UUID().uuidString.lowercased()]
        #expect(try await LineClient.request(fixture.socket, "watch \(ids[0]) max-runtime=1h").contains(#""ok":true"#))
        for suffix in ["", "-wal", "-shm"] { unlink("\(fixture.stateDirectory)/tasks.sqlite3\(suffix)") }
        #expect(try await LineClient.request(fixture.socket, "watch \(ids[1]) max-runtime=1h").contains(#""ok":true"#))
        try await first.waitForOutput("was deleted or replaced while the daemon ran")
        let status = try await LineClient.request(fixture.socket, "status")
        #expect(status.contains(#""store":{"recreated":1}"#))
        first.signal(SIGKILL)
        _ = try await first.waitForExit()

        let second = try await fixture.start()
        let list = try await LineClient.request(fixture.socket, "list")
        #expect(ids.allSatisfy { list.contains($0) })
        second.signal(SIGTERM)
        #expect(try await second.waitForExit() == 0)
    }
}
