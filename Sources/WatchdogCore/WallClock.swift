import FoundationEssentials

/// Time as the daemon and the Maia client see it: wall-clock instants (deadlines survive restarts as such, tokens
/// expire at one) and a way to wait for one.
///
/// One clock drives the enforcer, the token refresh, the rate limiter and a 429's pause, so that tests move one
/// manual clock for everything (TestSupport's `ManualClock`, which moves only when told to). Production waits on
/// the monotonic clock (``SystemWallClock``).
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Returns once `deadline` has been reached; throws `CancellationError` when the calling task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system clock. A wait is converted once into a monotonic interval, so a wall-clock step while waiting does
/// not shorten or lengthen that wait; the next wake re-reads the wall clock and acts on whatever is due then (see
/// `docs/operations.md`).
public struct SystemWallClock: WallClock {
    /// Creates the clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }

    /// Sleeps on the continuous clock for the interval left until `deadline`.
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            try await Task.sleep(for: .interval(interval), clock: .continuous)
        } else {
            try Task.checkCancellation()
        }
    }
}
