import Foundation

extension Bench {
    /// The limit: the same clients against a trivial echo server on the same kind of socket.
    func intakeLimit() async throws {
        guard let echo = options.echoServer else {
            report.add("intake", "echo server (limit)", "not run (no --echo-server)")
            return
        }
        let path = "\(directory)/echo.sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: echo)
        process.arguments = [path]
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        try await waitForSocket(path)
        let lines = taskIDs(batch: 0xeeee_0001, count: options.intakeWatches).map { "watch \($0)" }
        let one = try await pipelined(path, lines, expecting: "")
        report.add("intake", "echo, 1 pipelined connection (limit)", Figure.rate(one.rate))
        let percentiles = Percentiles(one.latencies)
        report.add(
            "intake", "echo, 1 connection, p50 / p99 round trip",
            "\(Figure.micros(percentiles.p50)) / \(Figure.micros(percentiles.p99))")
        let many = try await lockstep(path, lines, expecting: "")
        let manyPercentiles = Percentiles(many.latencies)
        report.add("intake", "echo, 64 connections (limit)", Figure.rate(many.rate))
        report.add(
            "intake", "echo, 64 connections, p50 / p99 round trip",
            "\(Figure.micros(manyPercentiles.p50)) / \(Figure.micros(manyPercentiles.p99))")
    }

    /// Intake over one pipelined connection and over 64, then the footprint at `tasks` tracked
    /// tasks; the idle figures come first, from the same daemon (run with the watchdog on, as
    /// the unit runs it). Returns the state directory, now holding `tasks` records.
    func intakeAndFootprint() async throws -> String {
        let (state, log) = freshRun("intake")
        let daemon = try await startDaemon(state: state, log: log, watchdogSeconds: 30)
        try await Task.sleep(for: .seconds(2))
        let idle = try daemon.stats()
        report.add(
            "footprint", "RSS idle (empty store)", Figure.megabytes(idle.residentBytes), goal: "≤ 15 MB",
            met: idle.residentBytes <= 15 * 1_048_576)
        report.add(
            "footprint", "of which anonymous (heap, stacks) / mapped from files",
            "\(Figure.megabytes(idle.anonymousBytes)) / \(Figure.megabytes(idle.residentBytes - idle.anonymousBytes))")
        report.add("footprint", "threads idle", "\(idle.threads)")

        try await idleWindow(daemon, label: "with the watchdog (WatchdogSec=30s)")

        let half = options.intakeWatches
        let one = try await pipelined(
            daemon.socketPath, taskIDs(batch: 0x1111_0001, count: half).map { "watch \($0)" },
            expecting: #"{"ok":true"#)
        intakeRate = one.rate
        let onePercentiles = Percentiles(one.latencies)
        report.add(
            "intake", "daemon, 1 pipelined connection", Figure.rate(one.rate), goal: "≥ 50,000 /s",
            met: one.rate >= 50_000)
        report.add(
            "intake", "daemon, 1 connection, p50 / p99 ack",
            "\(Figure.micros(onePercentiles.p50)) / \(Figure.micros(onePercentiles.p99))")
        let many = try await lockstep(
            daemon.socketPath, taskIDs(batch: 0x1111_0002, count: half).map { "watch \($0)" },
            expecting: #"{"ok":true"#)
        let manyPercentiles = Percentiles(many.latencies)
        report.add("intake", "daemon, 64 connections", Figure.rate(many.rate))
        report.add(
            "intake", "daemon, 64 connections, p50 / p99 ack",
            "\(Figure.micros(manyPercentiles.p50)) / \(Figure.micros(manyPercentiles.p99))")
        let refused = one.refused + many.refused
        if refused > 0 { report.add("intake", "answers not ok", "\(refused)") }

        // Fill up to `tasks` (unmeasured), then read the footprint.
        let rest = options.tasks - 2 * half
        if rest > 0 {
            _ = try await pipelined(
                daemon.socketPath, taskIDs(batch: 0x1111_0003, count: rest).map { "watch \($0)" },
                expecting: #"{"ok":true"#)
        }
        let tracked = max(options.tasks, 2 * half)
        try await Task.sleep(for: .seconds(2))
        let loaded = try daemon.stats()
        let perTask = (loaded.residentBytes - idle.residentBytes) / tracked
        report.add("footprint", "RSS with \(tracked.formatted()) tasks", Figure.megabytes(loaded.residentBytes))
        report.add("footprint", "bytes per tracked task (RSS)", "\(perTask)", goal: "≤ 500", met: perTask <= 500)
        let anonymousPerTask = (loaded.anonymousBytes - idle.anonymousBytes) / tracked
        report.add("footprint", "bytes per tracked task (anonymous only)", "\(anonymousPerTask)")
        try await stopDaemon(daemon)
        return state
    }

    func waitForSocket(_ path: String) async throws {
        for _ in 0..<200 {
            if (try? LineSocket(path: path)) != nil { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw BenchError("nothing listens on \(path)")
    }
}
