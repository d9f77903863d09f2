import FoundationEssentials

extension Duration {
    /// The span in nanoseconds, saturating at `Int64.max`.
    public var totalNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow2 ? .max : sum
    }

    /// The span as a `TimeInterval`, for arithmetic with `Date`.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// A duration from a `TimeInterval`; negative intervals give zero.
    public static func interval(_ interval: TimeInterval) -> Duration {
        guard interval > 0 else { return .zero }
        return .nanoseconds(Int64(min(interval * 1e9, Double(Int64.max))))
    }
}

extension Date {
    /// `self` moved forward by `duration`.
    public func adding(_ duration: Duration) -> Date {
        addingTimeInterval(duration.timeInterval)
    }
}
