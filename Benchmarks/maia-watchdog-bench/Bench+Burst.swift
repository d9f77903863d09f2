import Foundation
import MaiaStandIn

extension Bench {
    /// A burst run once its tasks are watched: what is needed to wait for it and read its figures.
    struct StartedBurst: Sendable {
        var confirm: Bool
        var batch: String
        var daemon: DaemonUnderTest
        var deadline: Double
        var acked: Double
        var label: String { confirm ? "confirm on" : "confirm off" }
    }

    /// `burstTasks` deadlines passing at one instant under `[api] max_requests_per_minute = burstRate`, once without
    /// confirming reads and once with them (`--burst-confirm`), each with a daemon of its own, both at the same time
    /// unless `--burst-sequential`: when each stop call and each read reached the stand-in, set beside the rate
    /// limit's arithmetic and, for the run with reads, beside the run without.
    func burst() async throws {
        let modes = options.burstConfirm.isEmpty ? BurstConfirm.allCases : options.burstConfirm
        let schedule = BurstSchedule(ratePerMinute: options.burstRate)
        // A registered task becomes STOPPING at its 204 and STOPPED at the first read after it.
        standIn.setStopProgress(.reads(0))
        defer { standIn.setStopProgress(nil) }
        recorder.reset()
        var runs: [BurstRun] = []
        if options.burstSequential {
            for (index, mode) in modes.enumerated() {
                let started = try await startBurst(confirm: mode == .on, index: index)
                runs.append(try await finishBurst(started, schedule: schedule))
            }
        } else {
            var started: [StartedBurst] = []
            for (index, mode) in modes.enumerated() {
                started.append(try await startBurst(confirm: mode == .on, index: index))
            }
            runs = try await withThrowingTaskGroup(of: (Int, BurstRun).self) { group in
                for (index, run) in started.enumerated() {
                    group.addTask { (index, try await self.finishBurst(run, schedule: schedule)) }
                }
                var finished: [(Int, BurstRun)] = []
                for try await run in group { finished.append(run) }
                return finished.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        recorder.reset()
        let baseline = runs.first { !$0.confirm }
        for run in runs { reportBurst(run, schedule: schedule, baseline: run.confirm ? baseline : nil) }
        if !options.burstSequential && runs.count > 1 {
            report.add("burst", "runs", "\(runs.count) at the same time, a daemon each, one stand-in")
        }
    }

    private func burstPolicy(confirm: Bool) -> String {
        """
        max_runtime = "1h"
        allow = ["*"]
        dry_run = false
        retention = "7d"
        runtime_origin = "watch"

        [api]
        base_url = "\(standIn.baseURL)"
        request_timeout = "15s"
        max_requests_per_minute = \(options.burstRate)
        max_in_flight = \(options.burstInFlight)

        [confirm]
        enabled = \(confirm)
        first_check = "5s"
        max_interval = "1min"
        restop_after = "1h"
        give_up_after = "2h"
        """
    }

    /// Starts a daemon and watches the run's tasks, known to the stand-in as RUNNING: started a minute ago, with a max-runtime that ends an intake budget from now, so
    /// every deadline passes at one instant.
    private func startBurst(confirm: Bool, index: Int) async throws -> StartedBurst {
        let count = options.burstTasks
        let name = confirm ? "burst-confirm-on" : "burst-confirm-off"
        let policyPath = "\(directory)/policy-\(name).toml"
        try burstPolicy(confirm: confirm).write(toFile: policyPath, atomically: true, encoding: .utf8)
        let (state, log) = freshRun(name)
        let batch = 0xbbbb_0001 + UInt32(index)
        let ids = taskIDs(batch: batch, count: count)
        let now = Int(wallSeconds().rounded(.down))
        let started = now - 60
        let budget = intakeBudget(count)
        let createdAt = Date(timeIntervalSince1970: Double(started))
        for id in ids { standIn.setTask(StandInTask(taskID: id, createdAt: createdAt)) }
        let daemon = try await startDaemon(state: state, log: log, policy: policyPath, name: "\(name)-")
        let startedText = Self.rfc3339(started)
        let maxRuntime = (60 + budget) * 1_000_000
        let lines = ids.map { "watch \($0) max-runtime=\(maxRuntime)us started-at=\(startedText)" }
        let load = try await pipelined(daemon.socketPath, lines, expecting: #"{"ok":true"#)
        let acked = wallSeconds()
        guard load.refused == 0 else { throw BenchError("\(load.refused) watches were refused (see \(log))") }
        let run = StartedBurst(
            confirm: confirm, batch: String(format: "%08x", batch), daemon: daemon, deadline: Double(now + budget),
            acked: acked)
        say("  burst · \(run.label): \(count.formatted()) watched, every deadline at +\(budget) s")
        return run
    }

    /// Waits for every stop call of the run and, with confirmation, for as many reads; then stops its daemon.
    private func finishBurst(_ run: StartedBurst, schedule: BurstSchedule) async throws -> BurstRun {
        let count = options.burstTasks
        let requests = run.confirm ? 2 * count : count
        let limit = run.deadline + schedule.offset(of: requests - 1) * 1.5 + 120
        let (recorder, batch) = (self.recorder, run.batch)
        try await waitInSteps("\(run.label): stop calls", count, before: limit, since: run.deadline) {
            target, timeout in
            recorder.waitForStops(target, batch: batch, timeout: timeout)
        }
        if run.confirm {
            try await waitInSteps("\(run.label): reads", count, before: limit, since: run.deadline) { target, timeout in
                recorder.waitForReads(target, batch: batch, timeout: timeout)
            }
        }
        try await stopDaemon(run.daemon)
        let stops = recorder.stops(batch: batch)
        let reads = recorder.reads(batch: batch)
        return BurstRun(
            confirm: run.confirm, deadline: run.deadline, acked: run.acked, stops: stops.map(\.at).sorted(),
            stoppedTasks: Set(stops.map(\.id)).count, reads: reads.map(\.at).sorted(),
            readTasks: Set(reads.map(\.id)).count)
    }

    /// Waits for `total` arrivals 1,000 at a time (saying when each thousand is in), until `limit` (wall clock).
    private func waitInSteps(
        _ what: String, _ total: Int, before limit: Double, since origin: Double,
        _ wait: @escaping @Sendable (Int, Double) -> Int
    ) async throws {
        var arrived = 0
        while arrived < total {
            let target = min(total, (arrived / 1_000 + 1) * 1_000)
            let timeout = limit - wallSeconds()
            guard timeout > 0 else { return }
            arrived = try await onThread { wait(target, timeout) }
            guard arrived >= target else { return }
            let elapsed = String(format: "%.1f", wallSeconds() - origin)
            say("  burst · \(what): \(target.formatted()) by +\(elapsed) s after the deadline")
        }
    }
}
