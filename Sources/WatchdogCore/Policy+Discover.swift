import FoundationEssentials

extension Policy {
    /// `[discover]`: enforce the policy on running tasks that nobody handed over, found in Maia's task list.
    public struct DiscoverConfiguration: Sendable, Equatable {
        public var enabled: Bool
        /// A pass starts this long after the previous one started (or, when one ran longer, at the next multiple).
        public var interval: Duration
        /// `projectId` filters, one listing each; empty: one unfiltered listing.
        public var projects: [String]

        public init(enabled: Bool = false, interval: Duration = .seconds(60), projects: [String] = []) {
            self.enabled = enabled
            self.interval = interval
            self.projects = projects
        }

        /// The listings of one pass: one per project, or one without a filter.
        public var listings: [String?] { projects.isEmpty ? [nil] : projects.map { $0 } }
    }
}
