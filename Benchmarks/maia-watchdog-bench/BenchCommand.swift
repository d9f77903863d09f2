import ArgumentParser
import Foundation
import MaiaStandIn

/// Runs every scenario of `docs/performance.md` against the real daemon binary and prints a
/// table. Start it with `Benchmarks/run.sh`, which builds everything in release first.
/// The scenarios `--only` can pick.
enum Scenario: String, ExpressibleByArgument, CaseIterable, Sendable {
    case limits, start, intake, deadlines, dispatch, burst
}

/// The burst scenario's runs: without and with `[confirm]`.
enum BurstConfirm: String, ExpressibleByArgument, CaseIterable, Sendable {
    case off, on
}

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maia-watchdog-bench",
        abstract: """
            Measure maia-watchdogd: intake, deadline precision, stop dispatch, footprint and start; and, with \
            --only burst, stops under the rate limit with and without confirming reads.
            """)

    @Option(help: "The maia-watchdogd binary to measure (a release build).")
    var daemon: String

    @Option(help: "The echo server built from Benchmarks/echo-server.c (the intake limit).")
    var echoServer: String?

    @Option(help: "wrk, for the stop-dispatch limit.")
    var wrk: String?

    @Option(help: "Tracked tasks for the footprint, start and deadline scenarios.")
    var tasks = 100_000

    @Option(help: "Watches per intake run (one pipelined connection; then as many over 64 connections).")
    var intakeWatches = 50_000

    @Option(help: "Tasks whose deadlines pass at once in the stop-dispatch scenario.")
    var dispatchTasks = 20_000

    @Option(help: "Tasks whose deadlines pass at once in the burst scenario.")
    var burstTasks = 5_000

    @Option(help: "The burst scenario's [api] max_requests_per_minute.")
    var burstRate = 900

    @Option(help: "The burst scenario's [api] max_in_flight.")
    var burstInFlight = 16

    @Option(
        help: """
            The burst scenario's runs (repeatable): off ([confirm] enabled = false), on (enabled = true, \
            first_check = "5s"); both by default, off first.
            """)
    var burstConfirm: [BurstConfirm] = []

    @Flag(help: "Run the burst scenario's runs one after the other instead of at the same time (a daemon each).")
    var burstSequential = false

    @Option(help: "Seconds of each idle window.")
    var idleSeconds = 60

    @Option(help: "Seconds over which the deadline scenario's deadlines are spread.")
    var spreadSeconds = 60

    @Option(help: "Where to put sockets, state and logs (default: a new directory under /tmp).")
    var workDirectory: String?

    @Option(
        help: """
            Run only these scenarios (repeatable): limits (echo server), start (empty store), intake \
            (with the footprint and the start at --tasks), deadlines, dispatch (with wrk); burst (--burst-tasks \
            deadlines at once under --burst-rate, about 11 minutes at the defaults, 17 with --burst-sequential: \
            only when named here, never by default).
            """)
    var only: [Scenario] = []

    @Option(help: "Also write the table to this file.")
    var output: String?

    func run() async throws {
        let directory = workDirectory ?? "/tmp/maia-watchdog-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let recorder = StopRecorder()
        let standIn = try await MaiaStandIn.start(acceptedTokens: [Bench.token], onRequest: recorder.record)
        let bench = try Bench(
            options: self, directory: directory, standIn: standIn, recorder: recorder)
        say("maia-watchdog-bench: work directory \(directory), stand-in \(standIn.baseURL)")
        try await bench.runAll()
        try await standIn.shutdown()
        let table = bench.report.table
        say("\n" + table)
        if let output { try (table + "\n").write(toFile: output, atomically: true, encoding: .utf8) }
    }
}
