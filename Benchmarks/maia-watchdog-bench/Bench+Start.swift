import Foundation

extension Bench {
    /// Exec to `READY=1` with an empty store: five starts, each with a new state directory.
    func startEmpty() async throws {
        var samples: [Double] = []
        for _ in 0..<5 {
            let (state, log) = freshRun("start-empty")
            let daemon = try await startDaemon(state: state, log: log)
            samples.append(daemon.readyMilliseconds)
            try await stopDaemon(daemon)
        }
        let percentiles = Percentiles(samples)
        report.add(
            "start", "exec → READY=1, empty store (median of 5; max)",
            "\(Figure.millis(percentiles.p50)); \(Figure.millis(percentiles.max))", goal: "≤ 50 ms",
            met: (percentiles.p50 ?? .infinity) <= 50)
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
