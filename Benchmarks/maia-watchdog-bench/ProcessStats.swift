import Foundation

/// What `/proc` says about a process: memory, and CPU time and wake-ups of each of its threads.
struct ProcessStats {
    /// Resident set size in bytes (`VmRSS`).
    var residentBytes: Int
    /// The anonymous part of it (`RssAnon`: heap, stacks), which is the process's own memory; the
    /// rest is pages of the binary and shared libraries mapped from files (clean, reclaimable).
    var anonymousBytes: Int
    /// Per thread: CPU time (user and system, `schedstat`, nanoseconds) and voluntary context
    /// switches (each one a wake-up). Kept per thread so that a difference can be taken over the
    /// threads alive at both readings (a thread that exits takes its counts along).
    var perThread: [Int: (cpu: UInt64, voluntary: Int)] = [:]

    var threads: Int { perThread.count }

    static func of(_ pid: Int32) throws -> ProcessStats {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let rss = field(status, "VmRSS:").flatMap({ Int($0) }) else {
            throw BenchError("no VmRSS for pid \(pid)")
        }
        let anonymous = field(status, "RssAnon:").flatMap { Int($0) } ?? 0
        var stats = ProcessStats(residentBytes: rss * 1024, anonymousBytes: anonymous * 1024)
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for task in tasks {
            let base = "/proc/\(pid)/task/\(task)"
            guard let schedstat = try? String(contentsOfFile: "\(base)/schedstat", encoding: .utf8),
                let taskStatus = try? String(contentsOfFile: "\(base)/status", encoding: .utf8)
            else { continue }
            let cpu = schedstat.split(separator: " ").first.flatMap { UInt64($0) } ?? 0
            let voluntary = field(taskStatus, "voluntary_ctxt_switches:").flatMap { Int($0) } ?? 0
            if let tid = Int(task) { stats.perThread[tid] = (cpu, voluntary) }
        }
        return stats
    }

    /// What happened between `earlier` and this reading, over threads alive at this one (a thread
    /// born in between counts from zero).
    func since(_ earlier: ProcessStats) -> (cpuNanos: UInt64, voluntary: Int) {
        var total: (cpuNanos: UInt64, voluntary: Int) = (0, 0)
        for (tid, now) in perThread {
            let before = earlier.perThread[tid] ?? (0, 0)
            total.cpuNanos += now.cpu >= before.cpu ? now.cpu - before.cpu : now.cpu
            total.voluntary += Swift.max(0, now.voluntary - before.voluntary)
        }
        return total
    }

    /// The first number after `name` on its line ("VmRSS:   12345 kB" → "12345").
    private static func field(_ text: String, _ name: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init)
        }
        return nil
    }
}
