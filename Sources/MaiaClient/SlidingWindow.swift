import FoundationEssentials
import Glibc

/// The pure rule behind `max_requests_per_minute`: at most `limit` calls in any window of `length` seconds (60 for
/// the policy key), however the calls are spread. A call may go out at `now` when fewer than `limit` calls went out
/// in the `length` seconds before it, that is when the call `limit` places back is at least `length` old.
///
/// ``TokenBucket`` alone allows burst + rate in a minute (a full bucket, then the steady rate); this caps the same
/// window at the rate, so the burst is spent inside the minute, not on top of it. It keeps the times of the last
/// `limit` calls (at most 1,000 at Maia's limit: 16 KB).
public struct SlidingWindow: Sendable, Equatable {
    /// The most calls in any window.
    public let limit: Int
    /// The window's length in seconds.
    public let length: TimeInterval
    /// The times of the last `limit` calls, a ring: `times[next]` is the oldest once the ring is full.
    private var times: [Date] = []
    private var next = 0

    /// A window with no calls yet; a `limit` of 0 or less never holds a call back.
    public init(limit: Int, length: TimeInterval = 60) {
        self.limit = max(0, limit)
        self.length = length
        self.times.reserveCapacity(self.limit)
    }

    /// `nil` when a call may go out at `now`; otherwise the earliest instant at which one may.
    public func earliest(now: Date) -> Date? {
        guard self.limit > 0, self.times.count == self.limit else { return nil }
        let opens = self.times[self.next].addingTimeInterval(self.length)
        return opens <= now ? nil : opens
    }

    /// Records a call that went out at `now`.
    public mutating func record(_ now: Date) {
        guard self.limit > 0 else { return }
        if self.times.count < self.limit {
            self.times.append(now)
        } else {
            self.times[self.next] = now
            self.next = (self.next + 1) % self.limit
        }
    }
}
