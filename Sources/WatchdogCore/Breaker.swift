import FoundationEssentials

/// The breaker of `[safety]`: a sliding window over the start times of deadline-driven stop sequences. When a passed
/// deadline would start the (`max_stops` + 1)th sequence within the last `window`, it opens, and from then on every
/// passed deadline is held (no HTTP call) until a person releases it. Client `stop`s, re-stops of a confirmation and
/// released tasks are not deadline-driven and never pass through it.
///
/// A value: the enforcer asks it, with the time, and it answers; nothing here reads a clock.
public struct Breaker: Sendable, Equatable {
    /// When it opened; `nil` while closed.
    public private(set) var openedAt: Date?
    /// The starts still in the window, oldest first.
    private var starts: [Date] = []

    public init(openedAt: Date? = nil) {
        self.openedAt = openedAt
    }

    public var isOpen: Bool { openedAt != nil }

    /// How many starts the window holds at `now`.
    public func count(now: Date, window: Duration) -> Int {
        let horizon = now.adding(.zero - window)
        return starts.count { $0 > horizon }
    }

    /// A passed deadline would start a stop sequence at `now`. Returns `true` when it may (and records the start),
    /// `false` when it must be held: the breaker is open, or opens now because `maxStops` sequences started in the
    /// last `window` (a start exactly `window` ago has slid out). `maxStops` 0: the breaker is off, always `true`.
    public mutating func admit(now: Date, maxStops: Int, window: Duration) -> Bool {
        guard maxStops > 0 else { return true }
        guard openedAt == nil else { return false }
        let horizon = now.adding(.zero - window)
        if let kept = starts.firstIndex(where: { $0 > horizon }) {
            starts.removeFirst(kept)
        } else {
            starts.removeAll()
        }
        guard starts.count < maxStops else {
            openedAt = now
            return false
        }
        starts.append(now)
        return true
    }

    /// `release`: closes it; the window starts afresh.
    public mutating func release() {
        openedAt = nil
        starts.removeAll()
    }

    /// The breaker was turned on (`max_stops` from 0 by a reload): only sequences started from now on count.
    public mutating func enabled() {
        starts.removeAll()
    }
}
