import Foundation

extension Bench {
    /// The figures of one burst run, beside the arithmetic and (`baseline`) the run without confirmation.
    func reportBurst(_ run: BurstRun, schedule: BurstSchedule, baseline: BurstRun?) {
        let count = options.burstTasks
        let label = run.label
        report.add(
            "burst", "\(label): \(count.formatted()) due at once, \(options.burstRate)/min: stop calls",
            "\(run.stops.count.formatted()) to \(run.stoppedTasks.formatted()) tasks "
                + "(\(count - run.stoppedTasks) missing)")
        if run.acked > run.deadline {
            let late = String(format: "%.1f s", run.acked - run.deadline)
            report.add("burst", "\(label): warning", "intake ended \(late) after the deadline")
        }
        guard run.stops.count > schedule.burst + 1 else { return }
        let last = run.stops.count - 1
        report.add(
            "burst", "\(label): first stop after the deadline", Figure.millis((run.first - run.deadline) * 1000))
        report.add(
            "burst", "\(label): first → last stop",
            String(format: "%.1f s (arithmetic %.1f s)", run.spread, schedule.offset(of: count - 1)),
            goal: baseline == nil ? "" : "≤ no-confirm + 1 s",
            met: baseline.map { run.spread <= $0.spread + 1 && run.stoppedTasks == count })
        let firstSecond = run.stops.filter { $0 < run.first + 1 }.count
        let after = Double(last - schedule.burst) / (run.stops[last] - run.stops[schedule.burst])
        report.add(
            "burst", "\(label): stops in the first second; rate after the burst",
            "\(firstSecond); " + String(format: "%.2f /s (%.0f /min)", after, after * 60))
        let marks = [1_000, count / 2, count].filter { $0 >= 1 && $0 <= run.stops.count }
        let measured = marks.map { String(format: "%.1f", run.offset(of: $0 - 1)) }
        let expected = marks.map { String(format: "%.1f", schedule.offset(of: $0 - 1)) }
        report.add(
            "burst", "\(label): stop no. \(marks.map { $0.formatted() }.joined(separator: " / ")) at",
            measured.joined(separator: " / ") + " s (arithmetic " + expected.joined(separator: " / ") + ")")
        let behind = run.latestBehind(schedule.offset(of:))
        report.add(
            "burst", "\(label): latest stop behind the arithmetic",
            String(format: "%.3f s", behind.seconds) + " (no. \((behind.index + 1).formatted()))")
        if let baseline, baseline.stops.count == run.stops.count {
            let behindBaseline = run.latestBehind(baseline.offset(of:))
            report.add(
                "burst", "\(label): latest stop behind the no-confirm run",
                String(format: "%.3f s", behindBaseline.seconds) + " (no. \((behindBaseline.index + 1).formatted()))")
        }
        let reads = run.readsDuringAndAfter
        report.add(
            "burst", "\(label): reads during the stop window / after it",
            "\(reads.during.formatted()) / \(reads.after.formatted()) (\(run.readTasks.formatted()) tasks read)")
        if run.confirm {
            report.add(
                "burst", "\(label): of the reads during it, in the second after a whole minute",
                run.readsAtMinuteOpenings.formatted())
        }
        if let lastRead = run.reads.last {
            let all = schedule.offset(of: run.stops.count + run.reads.count - 1)
            report.add(
                "burst", "\(label): first stop → last read",
                String(format: "%.1f s (arithmetic for every request %.1f s)", lastRead - run.first, all))
        }
        report.add(
            "burst", "\(label): most requests within 60 s at the stand-in",
            "\(run.mostInAMinute.formatted()) (limit \(options.burstRate.formatted()))")
    }
}
