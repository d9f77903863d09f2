import Foundation
import Glibc
import MaiaStandIn

/// The scenarios, run one after the other on one machine, each against a fresh daemon unless it
/// says otherwise. Every figure goes into `report`.
final class Bench: @unchecked Sendable {
    static let token = "bench-token"

    let options: BenchCommand
    let directory: String
    let standIn: MaiaStandIn
    let recorder: StopRecorder
    let report = Report()
    let credentials: String
    let policy: String
    /// The pipelined intake rate, once measured: sizes the deadline scenarios' intake budget.
    var intakeRate: Double?
    private var runs: UInt32 = 0

    init(options: BenchCommand, directory: String, standIn: MaiaStandIn, recorder: StopRecorder) throws {
        self.options = options
        self.directory = directory
        self.standIn = standIn
        self.recorder = recorder
        credentials = "\(directory)/credentials"
        policy = "\(directory)/policy.toml"
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try Self.token.write(toFile: "\(credentials)/maia-token", atomically: true, encoding: .utf8)
        chmod("\(credentials)/maia-token", 0o600)
        // Real stop calls to the loopback stand-in, with the client-side rate limit lifted
        // (allowed for loopback endpoints only) so that the daemon's own speed is measured; no
        // confirming reads, so that only stop calls are measured (the burst scenario has its own).
        let text = """
            max_runtime = "1h"
            allow = ["*"]
            dry_run = false
            retention = "7d"

            [api]
            base_url = "\(standIn.baseURL)"
            request_timeout = "15s"
            max_requests_per_minute = 0
            max_in_flight = 16

            [confirm]
            enabled = false
            """
        try text.write(toFile: policy, atomically: true, encoding: .utf8)
    }

    func runAll() async throws {
        let chosen = Set(options.only.isEmpty ? Scenario.allCases : options.only)
        if chosen.contains(.limits) { try await intakeLimit() }
        if chosen.contains(.start) { try await startEmpty() }
        if chosen.contains(.intake) {
            let state = try await intakeAndFootprint()
            try await startLoaded(state: state)
        }
        if chosen.contains(.deadlines) { try await deadlinePrecision() }
        if chosen.contains(.dispatch) { try await stopDispatch() }
        // Not in the default set: it takes about 11 minutes (the rate limit, not the daemon).
        if options.only.contains(.burst) { try await burst() }
    }

    // MARK: helpers shared by the scenarios

    /// A fresh state directory and log for the next daemon.
    func freshRun(_ name: String) -> (state: String, log: String) {
        runs += 1
        let state = "\(directory)/state-\(name)-\(runs)"
        try? FileManager.default.removeItem(atPath: state)
        return (state, "\(directory)/daemon-\(name).log")
    }

    /// Starts a daemon on `policy` (default: the bench's policy, without a client-side rate limit), with sockets
    /// named after `name` (daemons running at once need names of their own).
    func startDaemon(
        state: String, log: String, watchdogSeconds: Int? = nil, policy: String? = nil, name: String = ""
    ) async throws -> DaemonUnderTest {
        let (binary, directory, policy, credentials) = (options.daemon, directory, policy ?? self.policy, credentials)
        return try await onThread {
            try DaemonUnderTest.start(
                binary: binary, directory: directory, policy: policy, stateDirectory: state,
                credentials: credentials, watchdogSeconds: watchdogSeconds, log: log, name: name)
        }
    }

    func stopDaemon(_ daemon: DaemonUnderTest) async throws {
        try await onThread { try daemon.stop() }
    }

    /// Task IDs unique to one batch: `RRRRRRRR-0000-4000-8000-IIIIIIIIIIII`.
    func taskIDs(batch: UInt32, count: Int) -> [String] {
        (0..<count).map { String(format: "%08x-0000-4000-8000-%012x", batch, $0) }
    }

    func pipelined(_ path: String, _ lines: [String], expecting prefix: String) async throws -> LoadResult {
        try await onThread { try LineLoad.pipelined(path: path, lines: lines, window: 256, expecting: prefix) }
    }

    func lockstep(_ path: String, _ lines: [String], expecting prefix: String) async throws -> LoadResult {
        try await onThread { try LineLoad.lockstep(path: path, lines: lines, connections: 64, expecting: prefix) }
    }

    /// `2026-11-29T12:00:00Z` for whole seconds since 1970.
    static func rfc3339(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
