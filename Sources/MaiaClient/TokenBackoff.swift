/// How long the client-credentials provider waits after consecutive token-endpoint failures: full jitter,
/// `random(0, min(maximum, initial * multiplier^(n-1)))` after the n-th failure, the same curve as the stop retries
/// (the daemon passes the policy's `[retry]` values). With the defaults (1 s, ×2, 1 min):
///
/// | failure | cap    |
/// |---------|--------|
/// | 1       | 1 s    |
/// | 2       | 2 s    |
/// | 3       | 4 s    |
/// | 4       | 8 s    |
/// | 5       | 16 s   |
/// | 6       | 32 s   |
/// | 7+      | 1 min  |
///
/// A `Retry-After` on the failure is honoured on top: the next request is never sooner.
public struct TokenBackoff: Sendable, Equatable {
    /// The first cap.
    public var initial: Duration
    /// The largest cap.
    public var maximum: Duration
    /// Growth of the cap per failure.
    public var multiplier: Double

    /// Creates a schedule.
    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(60), multiplier: Double = 2) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The cap after the `failures`-th consecutive failure (from 1).
    public func cap(afterFailure failures: Int) -> Double {
        let initial = RateLimiter.seconds(self.initial)
        let maximum = RateLimiter.seconds(self.maximum)
        var cap = initial
        for _ in 1..<max(1, failures) {
            cap *= max(1, self.multiplier)
            if cap >= maximum { break }
        }
        return min(cap, maximum)
    }

    /// The wait in seconds after the `failures`-th consecutive failure, drawn from `rng`.
    public func delay(afterFailure failures: Int, using rng: inout some RandomNumberGenerator) -> Double {
        let cap = self.cap(afterFailure: failures)
        guard cap > 0 else { return 0 }
        return Double.random(in: 0...cap, using: &rng)
    }
}
