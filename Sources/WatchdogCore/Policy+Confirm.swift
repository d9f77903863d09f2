import FoundationEssentials

extension Policy {
    /// `runtime_origin`: what a watch without `started-at=` counts its runtime from.
    public enum RuntimeOrigin: String, Sendable, Equatable, CaseIterable {
        /// The task's `createdAt` as Maia reports it, when it is earlier than the watch (a read follows the watch).
        case createdAt = "created_at"
        /// The moment the watch was received; no read is made at watch time.
        case watch
    }

    /// `[confirm]`: after a 204, read the task until Maia reports it stopped.
    public struct ConfirmConfiguration: Sendable, Equatable {
        public var enabled: Bool
        /// The first read, this long after a 204; then the interval doubles up to `maxInterval`.
        public var firstCheck: Duration
        public var maxInterval: Duration
        /// Still RUNNING this long after the last 204: send the stop again.
        public var restopAfter: Duration
        /// Not STOPPED or ERRORED this long after the first 204: `stop_unconfirmed`.
        public var giveUpAfter: Duration

        public init(
            enabled: Bool = true,
            firstCheck: Duration = .seconds(10),
            maxInterval: Duration = .seconds(60),
            restopAfter: Duration = .seconds(5 * 60),
            giveUpAfter: Duration = .seconds(30 * 60)
        ) {
            self.enabled = enabled
            self.firstCheck = firstCheck
            self.maxInterval = maxInterval
            self.restopAfter = restopAfter
            self.giveUpAfter = giveUpAfter
        }

        /// The wait before the read that follows `reads` answered reads since the last 204: `firstCheck`, then
        /// doubling, capped at `maxInterval`.
        public func interval(afterReads reads: Int) -> Duration {
            var interval = firstCheck
            for _ in 0..<max(0, reads) {
                guard interval < maxInterval else { break }
                interval *= 2
            }
            return min(interval, maxInterval)
        }
    }
}
