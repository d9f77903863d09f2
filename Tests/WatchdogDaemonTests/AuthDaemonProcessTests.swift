import Foundation
import Glibc
import MaiaStandIn
import TestSupport
import Testing

/// The real `maia-watchdogd` with OAuth client credentials against the stand-in's token endpoint.
@Suite("maia-watchdogd process with client credentials", .serialized)
struct AuthDaemonProcessTests {
    static let clientID = "process-client"
    static let secret = "process-s3cr3t-\(UInt64.random(in: 0...UInt64.max))"

    /// Runs `maia-watchdogctl ARGS` and returns its stdout and stderr together.
    func ctl(_ arguments: [String]) async throws -> String {
        let ctl = DaemonProcess.productsDirectory.appendingPathComponent("maia-watchdogctl")
        let outcome = try await ChildProcess.run(ctl, arguments)
        return outcome.standardOutput + outcome.standardError
    }

    @Test("token endpoint down at start: READY anyway, status says failing; once it is up, tokens and stops flow")
    func endpointDownAtStartThenUp() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let credentials = "\(directory)/creds"
        // A static token is there too, and not accepted: the client credentials win.
        let maia = try await StandInWithToken.start(
            in: credentials, token: "a-static-token", acceptedTokens: [],
            tokenEndpoint: .init(clientID: Self.clientID, clientSecret: Self.secret))
        let standIn = maia.standIn
        standIn.setDefaultTokenAnswer(.fail(.status(503)))
        try Self.clientID.write(toFile: "\(credentials)/maia-client-id", atomically: true, encoding: .utf8)
        try (Self.secret + "\n").write(toFile: "\(credentials)/maia-client-secret", atomically: true, encoding: .utf8)
        chmod("\(credentials)/maia-client-id", 0o600)
        chmod("\(credentials)/maia-client-secret", 0o644)
        chmod(maia.tokenFile, 0o600)
        let policy = "\(directory)/policy.toml"
        try """
        max_runtime = "1h"
        allow = ["*"]
        runtime_origin = "watch"
        [api]
        base_url = "\(standIn.baseURL)"
        [auth]
        token_url = "\(standIn.tokenURL!)"
        [retry]
        initial_backoff = "50ms"
        max_backoff = "200ms"
        [confirm]
        enabled = false
        """.write(toFile: policy, atomically: true, encoding: .utf8)
        let socket = "\(directory)/control.sock"
        let daemon = try DaemonProcess(
            ["--policy", policy, "--socket", socket, "--state-dir", "\(directory)/state"],
            environment: ["CREDENTIALS_DIRECTORY": credentials])
        try await daemon.waitForOutput("ready on \(socket)")
        try await daemon.waitForOutput("could not get a Maia API token")
        var outputs: [String] = []
        let failing = try await ctl(["--socket", socket, "--json", "status"])
        outputs.append(failing)
        #expect(failing.contains(#""token":"failing""#))

        standIn.setDefaultTokenAnswer(.issue)
        try await daemon.waitForOutput("obtained a Maia API token")
        let ok = try await ctl(["--socket", socket, "--json", "status"])
        outputs.append(ok)
        #expect(ok.contains(#""token":"ok""#))

        let id = UUID().uuidString.lowercased()
        let before = standIn.requests.count
        outputs.append(try await LineClient.request(socket, "watch \(id) started-at=\(RFC3339Text.hoursAgo(2))"))
        let requests = try await standIn.waitForRequests(count: before + 1, timeout: .seconds(30))
        let stop = try #require(requests.last { $0.taskID == id })
        #expect(stop.bearerToken == standIn.issuedTokens.last)
        try await daemon.waitForOutput("ended stop_requested")
        outputs.append(try await ctl(["--socket", socket, "status", id]))
        outputs.append(try await ctl(["--socket", socket, "status"]))
        outputs.append(try await ctl(["--socket", socket, "list"]))
        outputs.append(try await ctl(["--socket", socket, "--json", "list"]))

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
        let log = daemon.lines.joined(separator: "\n")
        #expect(log.contains("using the client credentials and ignoring maia-token"))
        #expect(log.contains("maia-client-secret is accessible to group or others (mode 644)"))
        #expect(!log.contains("maia-client-id is accessible"))
        #expect(log.contains("token_refreshed"))
        for text in outputs + [log] {
            #expect(!text.contains(Self.secret), "secret leaked in: \(text)")
            #expect(!text.contains("a-static-token"))
            for token in standIn.issuedTokens {
                #expect(!text.contains(token), "token leaked in: \(text)")
            }
        }
        try await standIn.shutdown()
    }

    @Test("client credentials without the secret, outside a dry run: exit 78 naming the missing credential")
    func incompleteClientCredentialsExit78() async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let credentials = "\(directory)/creds"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try Self.clientID.write(toFile: "\(credentials)/maia-client-id", atomically: true, encoding: .utf8)
        let policy = "\(directory)/policy.toml"
        try "allow = [\"*\"]\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(
            ["--policy", policy, "--socket", "\(directory)/s.sock"],
            environment: ["CREDENTIALS_DIRECTORY": credentials])
        #expect(try await daemon.waitForExit() == 78)
        #expect(daemon.lines.contains { $0.contains("maia-client-secret is missing") })
    }
}
