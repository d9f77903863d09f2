import FoundationEssentials
import Glibc

/// The pure core of ``RateLimiter``: a token bucket refilled continuously at `ratePerMinute`, holding at most `burst`
/// tokens, plus a pause (a 429's `Retry-After`) during which nothing is taken. No clock of its own: every decision
/// takes `now`.
///
/// With `ratePerMinute` r and `burst` b, the bucket alone lets b + r calls into a 60-second window; ``RateLimiter``
/// adds a ``SlidingWindow`` that caps every such window at r, so the key means what it says.
public struct TokenBucket: Sendable, Equatable {
    /// Calls per minute in the long run.
    public let ratePerMinute: Int
    /// The most calls that may go out back to back after a quiet spell.
    public let burst: Int
    /// Tokens held at ``updatedAt`` (fractional: the bucket refills continuously).
    public private(set) var tokens: Double
    /// When ``tokens`` was last brought up to date. May lie in the future after a pause.
    public private(set) var updatedAt: Date
    /// Nothing is taken before this instant.
    public private(set) var pausedUntil: Date?

    /// Below this shortfall a token counts as whole, so that waking at the computed instant always succeeds despite
    /// floating-point rounding.
    private static let epsilon = 1e-6

    /// The burst used when none is configured: a tenth of the rate, but never so much that burst + rate exceeds
    /// Maia's 1000 calls a minute, and at least 1. 900 a minute gives 90.
    public static func defaultBurst(ratePerMinute: Int) -> Int {
        max(1, min(ratePerMinute / 10, 1000 - ratePerMinute))
    }

    /// A full bucket at `now`. `burst` is raised to at least 1. A `ratePerMinute` of 0 (or less) means no limit
    /// (only pauses hold calls back): the policy allows that only for a loopback endpoint, e.g. a stand-in or a
    /// local proxy that limits on its own.
    public init(ratePerMinute: Int, burst: Int? = nil, now: Date) {
        let rate = max(0, ratePerMinute)
        self.ratePerMinute = rate
        self.burst = max(1, burst ?? Self.defaultBurst(ratePerMinute: max(1, rate)))
        self.tokens = Double(self.burst)
        self.updatedAt = now
    }

    /// Whether calls are only held back by pauses.
    public var isUnlimited: Bool { self.ratePerMinute == 0 }

    /// Seconds between two calls at the steady rate (0 when unlimited).
    public var interval: Double { self.isUnlimited ? 0 : 60 / Double(self.ratePerMinute) }

    /// Takes one token if a call may go out at `now` and returns `nil`; otherwise takes nothing and returns the
    /// earliest instant at which one may (the end of a pause, or when the next token has accrued).
    public mutating func take(now: Date) -> Date? {
        if let pausedUntil = self.pausedUntil {
            if now < pausedUntil { return pausedUntil }
            self.pausedUntil = nil
        }
        if self.isUnlimited { return nil }
        self.refill(now: now)
        if self.tokens >= 1 - Self.epsilon {
            self.tokens = max(0, self.tokens - 1)
            return nil
        }
        let start = max(now, self.updatedAt)
        return start.addingTimeInterval((1 - self.tokens) * self.interval)
    }

    /// Holds every call until `until` (a later pause wins over an earlier one). When it ends the bucket holds one
    /// token: the first call goes out at once, the rest at the steady rate, with no burst that could trip the
    /// server's limit again.
    public mutating func pause(until: Date, now: Date) {
        guard until > now, until > (self.pausedUntil ?? .distantPast) else { return }
        self.pausedUntil = until
        self.tokens = 1
        self.updatedAt = until
    }

    private mutating func refill(now: Date) {
        guard now > self.updatedAt else { return }
        let accrued = now.timeIntervalSince(self.updatedAt) / self.interval
        self.tokens = min(Double(self.burst), self.tokens + accrued)
        self.updatedAt = now
    }
}
