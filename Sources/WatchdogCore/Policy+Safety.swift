import FoundationEssentials

extension Policy {
    /// `[safety]`: what keeps the guard rail from becoming the outage: the warning before a deadline, the cap on
    /// extensions, and the breaker.
    public struct SafetyConfiguration: Sendable, Equatable {
        /// More than 0: a `deadline_warning` this long before each deadline (at once when a task is watched inside
        /// that window).
        public var warnBefore: Duration
        /// The most `extend` may add to one task, in total; 0: no extensions.
        public var maxExtension: Duration
        /// More than 0: more deadline-driven stop sequences than this within `window` opens the breaker.
        public var maxStops: Int
        public var window: Duration

        public init(
            warnBefore: Duration = .zero, maxExtension: Duration = .zero, maxStops: Int = 0,
            window: Duration = .seconds(600)
        ) {
            self.warnBefore = warnBefore
            self.maxExtension = maxExtension
            self.maxStops = maxStops
            self.window = window
        }
    }
}
