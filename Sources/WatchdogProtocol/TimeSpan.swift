/// A systemd-style time span (`90s`, `45min`, `1h 30min`, `2d`) or `infinity`.
///
/// Parsing lives in `TimeSpan+Parsing.swift`.
public enum TimeSpan: Hashable, Sendable {
    /// A finite span.
    case finite(Duration)
    /// No limit.
    case infinity

    /// The finite duration, or `nil` for `infinity`.
    public var duration: Duration? {
        if case .finite(let duration) = self { return duration }
        return nil
    }

    /// The shorter of two spans (`infinity` is longer than every finite span).
    public static func shorter(_ lhs: TimeSpan, _ rhs: TimeSpan) -> TimeSpan {
        switch (lhs, rhs) {
        case (.infinity, _): return rhs
        case (_, .infinity): return lhs
        case (.finite(let a), .finite(let b)): return .finite(min(a, b))
        }
    }
}
