import CSystemd

/// The service manager's watchdog (`WatchdogSec=`), via `sd_watchdog_enabled`.
public enum SystemdWatchdog {
    /// The interval within which `WATCHDOG=1` must arrive, or `nil` when no watchdog is set.
    public static func interval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(clamping: microseconds))
    }
}
