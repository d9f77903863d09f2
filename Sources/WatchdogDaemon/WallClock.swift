import FoundationEssentials
import Glibc
import WatchdogCore

/// Time as the enforcer sees it: wall-clock instants (deadlines survive restarts as such) and a
/// way to wait for one. Production waits on the monotonic clock (`SystemWallClock`); tests use
/// `ManualWallClock`, which only moves when told to.
public protocol WallClock: Sendable {
    func now() -> Date
    /// Returns once `deadline` has been reached; throws `CancellationError` when cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system clock. A wait is converted once into a monotonic interval, so a wall-clock step
/// while waiting does not shorten or lengthen that wait; the next wake re-reads the wall clock
/// and acts on whatever is due then (see `docs/operations.md`).
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            try await Task.sleep(for: .interval(interval), clock: .continuous)
        } else {
            try Task.checkCancellation()
        }
    }
}
