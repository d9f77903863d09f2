import Glibc

/// The process's limit on open descriptors (`RLIMIT_NOFILE`).
///
/// systemd starts services with a soft limit of 1024 and a hard limit of 524288 (`LimitNOFILE=`); 1,200 local
/// connections were enough to exhaust 1024 and lock every client out. As systemd's own daemons do, the daemon raises
/// the soft limit to the hard one at start: it never uses `select(2)`, the only reason to stay at 1024.
enum DescriptorLimit {
    /// Raises the soft limit to the hard one; returns the limits before and after (equal when nothing changed or
    /// the raise was refused).
    static func raiseToHard() -> (before: Int, after: Int) {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return (1024, 1024) }
        let before = Self.count(limits.rlim_cur)
        guard limits.rlim_cur < limits.rlim_max else { return (before, before) }
        var raised = limits
        raised.rlim_cur = limits.rlim_max
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 else { return (before, before) }
        return (before, Self.count(raised.rlim_cur))
    }

    /// The soft limit now.
    static var current: Int {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return 1024 }
        return Self.count(limits.rlim_cur)
    }

    /// Descriptors open now (the entries of `/proc/self/fd`, less the one that reads it).
    static var inUse: Int {
        guard let directory = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return max(0, count - 1)
    }

    private static func count(_ value: rlim_t) -> Int {
        value == rlim_t.max ? Int.max : Int(clamping: value)  // RLIM_INFINITY is all ones
    }
}
