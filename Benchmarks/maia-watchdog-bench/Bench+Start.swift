import Foundation

extension Bench {
    /// Exec to `READY=1` with an empty store: five starts, each with a new state directory. The
    /// last one then sits idle for `idleSeconds` without a watchdog: the wake-ups it makes are
    /// the daemon's own (the intake daemon's idle window adds the watchdog's pings).
    func startEmpty() async throws {
        var samples: [Double] = []
        for run in 0..<5 {
            let (state, log) = freshRun("start-empty")
            let daemon = try await startDaemon(state: state, log: log)
            samples.append(daemon.readyMilliseconds)
            if run == 4 { try await idleWindow(daemon, label: "without the watchdog") }
            try await stopDaemon(daemon)
        }
        let percentiles = Percentiles(samples)
        report.add(
            "start", "exec → READY=1, empty store (median of 5; max)",
            "\(Figure.millis(percentiles.p50)); \(Figure.millis(percentiles.max))", goal: "≤ 50 ms",
            met: (percentiles.p50 ?? .infinity) <= 50)
    }

    /// Wake-ups and CPU time of an idle daemon over `idleSeconds`, per minute, after 2 s to settle.
    func idleWindow(_ daemon: DaemonUnderTest, label: String) async throws {
        try await Task.sleep(for: .seconds(2))
        let before = try daemon.stats()
        let pingsBefore = daemon.notify.watchdogPings
        try await Task.sleep(for: .seconds(options.idleSeconds))
        let after = try daemon.stats()
        let pings = daemon.notify.watchdogPings - pingsBefore
        let minutes = Double(options.idleSeconds) / 60
        let delta = after.since(before)
        report.add(
            "idle", "\(label): wake-ups (voluntary switches) per minute",
            String(
                format: "%.1f, with %.0f watchdog pings", Double(delta.voluntary) / minutes, Double(pings) / minutes),
            goal: pings == 0 ? "0" : "only the pings'", met: pings == 0 ? delta.voluntary == 0 : nil)
        report.add(
            "idle", "\(label): CPU time per minute", String(format: "%.1f ms", Double(delta.cpuNanos) / 1e6 / minutes))
        report.add(
            "idle", "\(label): threads before / after", "\(before.threads) / \(after.threads)")
    }

    /// Exec to `READY=1` with the intake scenario's store: three starts.
    func startLoaded(state: String) async throws {
        var samples: [Double] = []
        var resident = 0
        for _ in 0..<3 {
            let daemon = try await startDaemon(state: state, log: "\(directory)/daemon-start-loaded.log")
            samples.append(daemon.readyMilliseconds)
            resident = try daemon.stats().residentBytes
            try await stopDaemon(daemon)
        }
        let percentiles = Percentiles(samples)
        let tracked = max(options.tasks, 2 * options.intakeWatches)
        report.add(
            "start", "exec → READY=1, \(tracked.formatted()) stored tasks (median of 3; max)",
            "\(Figure.millis(percentiles.p50)); \(Figure.millis(percentiles.max))", goal: "≤ 500 ms",
            met: (percentiles.p50 ?? .infinity) <= 500)
        report.add("footprint", "RSS after loading \(tracked.formatted()) stored tasks", Figure.megabytes(resident))
    }
}
