import Foundation
import Glibc
import MaiaStandIn
import TestSupport
import Testing

/// The real `maia-watchdogd` binary, end to end on this machine (no systemd).
@Suite("maia-watchdogd process", .serialized)
struct DaemonProcessTests {
    let examplePolicy = DaemonProcess.repositoryRoot.appendingPathComponent("config/policy.toml").path

    func writePolicy(_ directory: String, _ text: String) throws -> String {
        let path = "\(directory)/policy.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkAcceptsTheExamplePolicy() async throws {
        let daemon = try DaemonProcess(["--check", "--policy", examplePolicy])
        #expect(try await daemon.waitForExit() == 0)
        #expect(!daemon.lines.joined().isEmpty)
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
        let problems = daemon.lines.filter { $0.hasPrefix(policy) }
        #expect(problems.count == 2)
        #expect(problems.first?.hasPrefix("\(policy):1: max_runtime: ") == true)
        #expect(problems.last?.hasPrefix("\(policy):3: retention: ") == true)
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
        let token = "process-token-\(UInt32.random(in: 0...UInt32.max))"
        let standIn = try await MaiaStandIn.start(acceptedTokens: [token])
        try FileManager.default.createDirectory(atPath: "\(directory)/creds", withIntermediateDirectories: true)
        try token.write(toFile: "\(directory)/creds/maia-token", atomically: true, encoding: .utf8)
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

enum RFC3339Text {
    static func hoursAgo(_ hours: Double) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date().addingTimeInterval(-hours * 3600))
    }
}
