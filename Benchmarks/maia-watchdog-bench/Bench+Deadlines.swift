import Foundation
import MaiaStandIn

extension Bench {
    /// Seconds from now by which an intake of `count` watches will be over, with room to spare.
    func intakeBudget(_ count: Int) -> Int {
        let rate = intakeRate ?? 2_000
        return max(15, Int((Double(count) / rate * 1.5).rounded(.up)) + 10)
    }

    /// Watches `ids` with deadlines `start + offsets[i]` (seconds since 1970) and waits for every
    /// stop call; returns each task's deadline and arrival.
    private func enforce(
        _ name: String, ids: [String], offsets: [Double]
    ) async throws -> (deadlines: [String: Double], arrivals: [(id: String, at: Double)], acked: Double) {
        let (state, log) = freshRun(name)
        let daemon = try await startDaemon(state: state, log: log)
        recorder.reset()
        let started = Int(wallSeconds().rounded(.down))
        let startedText = Self.rfc3339(started)
        var deadlines: [String: Double] = [:]
        var lines: [String] = []
        lines.reserveCapacity(ids.count)
        for (id, offset) in zip(ids, offsets) {
            let micros = Int64((offset * 1e6).rounded())
            deadlines[id] = Double(started) + Double(micros) / 1e6
            lines.append("watch \(id) max-runtime=\(micros)us started-at=\(startedText)")
        }
        let load = try await pipelined(daemon.socketPath, lines, expecting: #"{"ok":true"#)
        let acked = wallSeconds()
        guard load.refused == 0 else { throw BenchError("\(load.refused) watches were refused (see \(log))") }
        let latest = offsets.max() ?? 0
        let timeout = max(0, Double(started) + latest - wallSeconds()) + 120
        let recorder = self.recorder
        let arrivals = try await onThread { recorder.wait(for: ids.count, timeout: timeout) }
        try await stopDaemon(daemon)
        return (deadlines, arrivals, acked)
    }

    /// `tasks` deadlines spread evenly over `spreadSeconds`, after an intake budget; the
    /// lateness of each stop call at the stand-in.
    func deadlinePrecision() async throws {
        let count = options.tasks
        let budget = Double(intakeBudget(count))
        let spread = Double(options.spreadSeconds)
        // Deadlines in an order unrelated to the watch order (7919 is prime to 10^n).
        let offsets = (0..<count).map { budget + spread * Double(($0 * 7919) % count) / Double(count) }
        let ids = taskIDs(batch: 0xdddd_0001, count: count)
        let (deadlines, arrivals, acked) = try await enforce("deadlines", ids: ids, offsets: offsets)
        let firstDeadline = deadlines.values.min() ?? 0
        if acked > firstDeadline {
            report.add("deadlines", "warning", "intake ended \(acked - firstDeadline) s after the first deadline")
        }
        var lateness: [Double] = []
        lateness.reserveCapacity(arrivals.count)
        var seen = Set<String>()
        for arrival in arrivals where seen.insert(arrival.id).inserted {
            guard let deadline = deadlines[arrival.id] else { continue }
            lateness.append((arrival.at - deadline) * 1e6)
        }
        let percentiles = Percentiles(lateness)
        let early = lateness.filter { $0 < 0 }.count
        report.add(
            "deadlines", "\(count.formatted()) tasks over \(Int(spread)) s: stop calls",
            "\(seen.count.formatted()) (\(early) early, \(count - seen.count) missing)")
        report.add(
            "deadlines", "lateness p50 / p99 / max",
            "\(Figure.micros(percentiles.p50)) / \(Figure.micros(percentiles.p99)) / \(Figure.micros(percentiles.max))",
            goal: "p99 ≤ 5 ms", met: (percentiles.p99 ?? .infinity) <= 5_000 && seen.count == count)
    }

    /// `dispatchTasks` deadlines passing at the same instant: stop calls per second from the
    /// first call to the last; then wrk against the same stand-in with as many connections as
    /// the daemon's `max_in_flight`.
    func stopDispatch() async throws {
        let count = options.dispatchTasks
        let budget = Double(intakeBudget(count))
        let ids = taskIDs(batch: 0xcccc_0001, count: count)
        let (_, arrivals, _) = try await enforce("dispatch", ids: ids, offsets: Array(repeating: budget, count: count))
        let times = arrivals.map(\.at).sorted()
        guard times.count == count, let first = times.first, let last = times.last, last > first else {
            throw BenchError("the dispatch run made \(times.count) of \(count) stop calls")
        }
        let rate = Double(count - 1) / (last - first)
        report.add("dispatch", "daemon, \(count.formatted()) due at once, max_in_flight 16", Figure.rate(rate))
        guard let wrk = options.wrk else {
            report.add("dispatch", "wrk (limit)", "not run (no --wrk)")
            return
        }
        let limit = try await runWrk(wrk)
        report.add("dispatch", "wrk -t2 -c16, same stand-in (limit)", Figure.rate(limit))
        let share = rate / limit * 100
        report.add(
            "dispatch", "daemon / wrk", String(format: "%.0f %%", share), goal: "≥ 80 %", met: share >= 80)
    }

    private func runWrk(_ wrk: String) async throws -> Double {
        let script = "\(directory)/stop.lua"
        try """
        wrk.method = "POST"
        wrk.headers["Authorization"] = "Bearer \(Self.token)"
        wrk.headers["Content-Length"] = "0"
        """.write(toFile: script, atomically: true, encoding: .utf8)
        let url = "\(standIn.baseURL)/v1/ai/agents/tasks/\(taskIDs(batch: 0xcccc_0002, count: 1)[0])/stop"
        let output = try await onThread { () throws -> String in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: wrk)
            process.arguments = ["-t2", "-c16", "-d10s", "-s", script, url]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
            let value = Double(line.dropFirst("Requests/sec:".count).trimmingCharacters(in: .whitespaces))
        else { throw BenchError("wrk printed no rate:\n\(output)") }
        if output.contains("Non-2xx") { throw BenchError("wrk got errors from the stand-in:\n\(output)") }
        return value
    }
}
