import Foundation
import MaiaStandIn
import TestSupport

/// A scratch directory with a policy pointing at a Maia stand-in, a token, a socket path and a
/// state directory, for running the real `maia-watchdogd` (possibly several times on the same state).
struct DaemonFixture: Sendable {
    let directory: String
    let standIn: MaiaStandIn
    let policyPath: String
    let socket: String
    let stateDirectory: String

    static func make(_ policy: String = "max_runtime = \"1h\"\nallow = [\"*\"]\n") async throws -> DaemonFixture {
        let directory = try TemporaryDirectory.make()
        let standIn = try await StandInWithToken.start(
            in: "\(directory)/creds", token: StandInWithToken.randomToken("store-token")
        ).standIn
        let policyPath = "\(directory)/policy.toml"
        // No client-side rate limit (allowed for a loopback endpoint): the crash test's catch-up of
        // hundreds of due stops would otherwise take minutes at Maia's 1000 a minute. No task reads: these
        // tests count stop calls (ConfirmationTests has the reads).
        let text =
            "runtime_origin = \"watch\"\n" + policy + "\n[api]\nbase_url = \"\(standIn.baseURL)\"\n"
            + "max_requests_per_minute = 0\n[confirm]\nenabled = false\n"
        try text.write(toFile: policyPath, atomically: true, encoding: .utf8)
        return DaemonFixture(
            directory: directory, standIn: standIn, policyPath: policyPath, socket: "\(directory)/control.sock",
            stateDirectory: "\(directory)/state")
    }

    /// Starts the daemon on this fixture's state; returns once it is ready.
    func start(_ extra: [String] = []) async throws -> DaemonProcess {
        let daemon = try launch(extra)
        try await daemon.waitForOutput("ready on \(socket)", within: .seconds(30))
        return daemon
    }

    func launch(_ extra: [String] = []) throws -> DaemonProcess {
        try DaemonProcess(
            ["--policy", policyPath, "--socket", socket, "--state-dir", stateDirectory] + extra,
            environment: ["CREDENTIALS_DIRECTORY": "\(directory)/creds"])
    }

    func cleanUp() async {
        try? await standIn.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
