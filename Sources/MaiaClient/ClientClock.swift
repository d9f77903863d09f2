import FoundationEssentials
import Glibc

/// Time as the Maia client sees it: token expiry, the rate limiter's pacing and a 429's pause.
///
/// The same shape as the daemon's `WallClock`, so one clock drives the enforcer and the client (the daemon makes its
/// clocks conform with empty extensions). Production waits on the monotonic clock (``SystemClientClock``); tests use a
/// manual clock that moves only when told to, so refresh at 80 % and the limiter's spread are exact and instant.
public protocol ClientClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Returns once `deadline` has been reached; throws `CancellationError` when the calling task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system clock; a wait is converted once into a monotonic interval.
public struct SystemClientClock: ClientClock {
    /// Creates the clock.
    public init() {}

    /// `Date()`.
    public func now() -> Date { Date() }

    /// Sleeps on the continuous clock for the interval left until `deadline`.
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            try await Task.sleep(for: .seconds(interval), clock: .continuous)
        } else {
            try Task.checkCancellation()
        }
    }
}
