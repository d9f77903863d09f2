import Glibc

/// `CLOCK_MONOTONIC` in microseconds, as `MONOTONIC_USEC=` wants it.
enum MonotonicTime {
    static func microseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1000
    }
}
