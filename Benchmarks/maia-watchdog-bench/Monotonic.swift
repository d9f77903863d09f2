import Glibc

/// Nanoseconds on `CLOCK_MONOTONIC`, cheap enough to stamp every request.
func monotonicNanos() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Seconds since 1970 on the wall clock, as a `Double` (what the stand-in stamps requests with).
func wallSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Prints a line at once, unbuffered (progress must show even when the output is a file).
func say(_ text: String) {
    let line = Array((text + "\n").utf8)
    line.withUnsafeBytes { _ = Glibc.write(1, $0.baseAddress, $0.count) }
}
