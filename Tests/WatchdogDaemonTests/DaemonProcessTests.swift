import Foundation
import Glibc
import MaiaStandIn
import TestSupport
import Testing

@testable import WatchdogDaemon

/// The real `maia-watchdogd` binary, end to end on this machine (no systemd).
@Suite("maia-watchdogd process", .serialized)
struct DaemonProcessTests {
    let examplePolicy = DaemonProcess.repositoryRoot.appendingPathComponent("config/policy.toml").path

    func writePolicy(_ directory: String, _ text: String) throws -> String {
        let path = "\(directory)/policy.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The summary goes to stdout, nothing to stderr.
    @Test func checkAcceptsTheExamplePolicy() async throws {
        let daemon = try DaemonProcess(["--check", "--policy", examplePolicy])
        #expect(try await daemon.waitForExit() == 0)
        let summary = daemon.lines(of: .standardOutput)
        #expect(summary.first == "policy \(examplePolicy) is valid")
        #expect(summary.contains { $0.hasPrefix("  max runtime ") })
        #expect(daemon.lines(of: .standardError) == [])
    }

    @Test func versionAndHelpGoToStdoutAndExitZero() async throws {
        let version = try DaemonProcess(["--version"])
        #expect(try await version.waitForExit() == 0)
        #expect(version.lines(of: .standardOutput) == [MaiaWatchdogVersion.current])
        #expect(version.lines(of: .standardError) == [])
        let help = try DaemonProcess(["--help"])
        #expect(try await help.waitForExit() == 0)
        let text = help.lines(of: .standardOutput).joined(separator: "\n")
        #expect(text.contains("USAGE: maia-watchdogd"))
        for option in ["--policy", "--socket", "--state-dir", "--dry-run", "--check", "--check-state", "--version"] {
            #expect(text.contains(option), "help names \(option)")
        }
        #expect(help.lines(of: .standardError) == [])
    }

    @Test func checkReportsEveryProblemAndExits78() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let policy = try writePolicy(
            directory,
            """
            max_runtime = "45 parsecs"
            allow = ["*"]
            retention = "soon"
            """)
        let daemon = try DaemonProcess(["--check", "--policy", policy])
        #expect(try await daemon.waitForExit() == 78)
        // Every problem, one a line, on stderr; nothing on stdout.
        let problems = daemon.lines(of: .standardError)
        #expect(problems.count == 2)
        #expect(problems.first?.hasPrefix("\(policy):1: max_runtime: ") == true)
        #expect(problems.last?.hasPrefix("\(policy):3: retention: ") == true)
        #expect(daemon.lines(of: .standardOutput) == [])
    }

    @Test func badPolicyOrMissingCredentialsExit78() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bad = try DaemonProcess(["--policy", "\(directory)/missing.toml", "--socket", "\(directory)/s.sock"])
        #expect(try await bad.waitForExit() == 78)
        let policy = try writePolicy(directory, "allow = [\"*\"]\n")
        let noCredentials = try DaemonProcess(
            ["--policy", policy, "--socket", "\(directory)/s.sock"],
            environment: ["CREDENTIALS_DIRECTORY": "\(directory)/creds"])
        #expect(try await noCredentials.waitForExit() == 78)
        #expect(noCredentials.lines.contains { $0.contains("maia-token") })
    }

    @Test func servesStopsAndShutsDownCleanlyOnSIGTERM() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let maia = try await StandInWithToken.start(
            in: "\(directory)/creds", token: StandInWithToken.randomToken("process-token"))
        let standIn = maia.standIn
        let token = maia.token
        // As `make install` leaves them: the unused credentials exist, empty, and count as absent.
        for unused in ["maia-client-id", "maia-client-secret"] {
            _ = FileManager.default.createFile(atPath: "\(directory)/creds/\(unused)", contents: Data())
        }
        let policy = try writePolicy(
            directory,
            """
            max_runtime = "1h"
            allow = ["*"]
            [api]
            base_url = "\(standIn.baseURL)"
            """)
        let socket = "\(directory)/control.sock"
        let daemon = try DaemonProcess(
            ["--policy", policy, "--socket", socket, "--state-dir", "\(directory)/state"],
            environment: ["CREDENTIALS_DIRECTORY": "\(directory)/creds"])
        try await daemon.waitForOutput("ready on \(socket)")

        // A task that started two hours ago is past its deadline: stopped at once.
        let id = UUID().uuidString.lowercased()
        let started = RFC3339Text.hoursAgo(2)
        let response = try await LineClient.request(socket, "watch \(id) started-at=\(started)")
        #expect(response.contains(#""ok":true"#))
        let requests = try await standIn.waitForRequests(count: 1, timeout: .seconds(30))
        #expect(requests[0].taskID == id)
        #expect(requests[0].bearerToken == token)

        // The real client against the real daemon.
        let ctl = try await ChildProcess.run(
            DaemonProcess.productsDirectory.appendingPathComponent("maia-watchdogctl"),
            ["--socket", socket, "--json", "status", id])
        #expect(ctl.status == 0)
        #expect(ctl.standardOutput.hasPrefix(#"{"ok":true,"task":{"id":"\#(id)""#))

        // A second daemon on the same socket refuses to start.
        let second = try DaemonProcess(
            ["--policy", policy, "--socket", socket, "--dry-run"],
            environment: ["CREDENTIALS_DIRECTORY": "\(directory)/creds"])
        #expect(try await second.waitForExit() == 1)
        #expect(second.lines.contains { $0.contains("already listening") })

        // SIGHUP with a broken policy: refused, and the daemon serves on.
        try "max_runtime = \"soon\"\n".write(toFile: policy, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        try await daemon.waitForOutput("policy refused")
        let afterReload = try await LineClient.request(socket, "status")
        #expect(afterReload.contains(#""base_url":"\#(standIn.baseURL)""#))

        // A client that keeps its connection open does not hold up the shutdown.
        let code = try await LineClient.with(socket) { idle in
            _ = try await idle.request("status")
            daemon.signal(SIGTERM)
            return try await daemon.waitForExit()
        }
        #expect(code == 0)
        #expect(!FileManager.default.fileExists(atPath: socket))
        #expect(!daemon.lines.joined(separator: "\n").contains(token))
        try await standIn.shutdown()
    }
}

extension DaemonProcessTests {
    /// Without `--socket` and `--state-dir`, the daemon takes `$RUNTIME_DIRECTORY/control.sock` and
    /// `$STATE_DIRECTORY`. With `--dry-run` and a usable token, an overdue task ends `dry_run`, logged as "would
    /// stop", and Maia gets no stop call. `status` names the policy file and the uptime.
    @Test func dryRunWithTheSystemdDirectories() async throws {
        let fixture = try await DaemonFixture.make()
        defer { Task { await fixture.cleanUp() } }
        let runtime = "\(fixture.directory)/runtime"
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let spawned = ContinuousClock.now
        let daemon = try DaemonProcess(
            ["--policy", fixture.policyPath, "--dry-run"],
            environment: [
                "CREDENTIALS_DIRECTORY": "\(fixture.directory)/creds", "RUNTIME_DIRECTORY": runtime,
                "STATE_DIRECTORY": fixture.stateDirectory,
            ])
        let socket = "\(runtime)/control.sock"
        try await daemon.waitForOutput("ready on \(socket)")
        #expect(FileManager.default.fileExists(atPath: "\(fixture.stateDirectory)/tasks.sqlite3"))

        let id = UUID().uuidString.lowercased()
        let watched = try await LineClient.request(socket, "watch \(id) started-at=\(RFC3339Text.hoursAgo(2))")
        #expect(watched.contains(#""ok":true"#))
        try await daemon.waitForOutput("would stop task \(id)")
        let task = try Self.object(try await LineClient.request(socket, "status \(id)"))["task"] as? [String: Any]
        #expect(task?["state"] as? String == "dry_run")
        #expect((task?["attempts"] as? NSNumber)?.intValue == 0)
        #expect(task?["last_http_status"] is NSNull)
        #expect(!fixture.standIn.requests.contains { $0.method == "POST" })
        #expect(daemon.lines(of: .standardError).contains { $0.contains("would stop task \(id) (dry run)") })

        let status = try Self.object(try await LineClient.request(socket, "status"))
        let elapsed = ContinuousClock.now - spawned
        let report = try #require(status["daemon"] as? [String: Any])
        #expect(report["dry_run"] as? Bool == true)
        #expect((report["policy"] as? [String: Any])?["path"] as? String == fixture.policyPath)
        let uptime = try #require((report["uptime_s"] as? NSNumber)?.intValue)
        #expect(uptime >= 0)
        #expect(uptime <= Int(elapsed.components.seconds) + 1)

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: socket))
    }

    static func object(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

enum RFC3339Text {
    static func hoursAgo(_ hours: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date().addingTimeInterval(-hours * 3600))
    }
}
