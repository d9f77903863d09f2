import FoundationEssentials
import WatchdogProtocol

/// `[discover]`: when to list Maia's running tasks, which page to ask for next, and when a pass has failed. It
/// decides nothing about the tasks it lists: `Enforcer` does (`Enforcer+Discovery.swift`).
///
/// A pass lists every listing (one per `projects` entry, or one unfiltered) page by page from 0, `pageSize` at a
/// time, until a page is short or `total` is reached, at most `maxPages` pages in all. One page is in flight at a
/// time. A failing page is retried with the `[retry]` backoff (at once with a fresh token after a first 401) for at
/// most one `interval` from its first failure; then the pass has failed. Passes keep to a grid: the next starts
/// `interval` after the start of the last, or at the first later multiple of `interval` when that one ran longer.
///
/// It performs no I/O and reads no clock: `now` and the random source are passed in.
public struct Discovery: Sendable {
    /// Tasks per page: the most Maia serves, so that a pass costs as few requests as it can.
    public static let pageSize = 100
    /// Pages per pass, over all its listings (10,000 tasks at `pageSize`).
    public static let maxPages = 100

    /// One page to ask for.
    public struct Page: Sendable, Hashable {
        /// The pass it belongs to, from 1: an answer for a pass that ended (a reload turned discovery off) is late.
        public var pass: UInt64
        /// The `projectId` filter, `nil` for none.
        public var project: String?
        /// From 0.
        public var number: Int
        public var size: Int
        /// Fetch a fresh token first (the previous request for this page was answered 401).
        public var freshToken: Bool

        public init(
            pass: UInt64, project: String?, number: Int, size: Int = Discovery.pageSize, freshToken: Bool = false
        ) {
            self.pass = pass
            self.project = project
            self.number = number
            self.size = size
            self.freshToken = freshToken
        }
    }

    /// How a pass ended.
    public enum PassEnd: Sendable, Equatable {
        /// Every listing was read to its end, or `truncated` at `maxPages`. `listed`: the distinct running tasks seen.
        case finished(pages: Int, listed: Int, truncated: Bool)
        /// A page kept failing for one `interval`; `error` says which and why.
        case failed(error: String)
    }

    /// What a page's answer meant.
    public enum PageStep: Sendable, Equatable {
        /// The page was listed: these running tasks are for the enforcer to look at; `end` when the pass is over.
        case listed(ListedPage, end: PassEnd?)
        /// The page failed and is asked for again at `retryAt` (or the pass failed: `end`).
        case failed(retryAt: Date?, end: PassEnd?)
    }

    private struct Pass: Sendable {
        var number: UInt64
        var startedAt: Date
        var listings: [String?]
        var listing = 0
        var page = 0
        var pages = 0
        var listed: Set<TaskID> = []
        /// When the next page is due; `nil` while one is in flight.
        var dueAt: Date?
        var freshToken = false
        var failures = 0
        var failingSince: Date?
    }

    public private(set) var configuration: Policy.DiscoverConfiguration
    /// When the last pass that did not fail ended; `nil` before any.
    public private(set) var lastPassAt: Date?
    /// Why the last pass failed; `nil` when it did not (or before any).
    public private(set) var lastError: String?
    /// When the next pass starts; `nil` while disabled or while a pass runs. Before the first pass it is
    /// `.distantPast`: due at once.
    public private(set) var nextPassAt: Date?
    private var pass: Pass?
    private var lastPassNumber: UInt64 = 0
    private var lastStartedAt: Date?

    public init(_ configuration: Policy.DiscoverConfiguration) {
        self.configuration = configuration
        nextPassAt = configuration.enabled ? .distantPast : nil
    }

    /// When the enforcer must next call `pageDue`: the start of the next pass, or the next page of this one; `nil`
    /// while disabled or while a page is in flight.
    public var timer: Date? { pass.map { $0.dueAt } ?? nextPassAt }

    /// Whether a page is in flight.
    public var isListing: Bool { pass.map { $0.dueAt == nil } ?? false }

    /// A reload: turned on, the first pass starts at once; turned off, the pass under way ends (its page's answer
    /// is late); a new interval moves the next pass to the new grid (never before `now`); new projects apply from
    /// the next pass.
    public mutating func configure(_ new: Policy.DiscoverConfiguration, now: Date) {
        let old = configuration
        configuration = new
        guard new.enabled else {
            pass = nil
            nextPassAt = nil
            return
        }
        if !old.enabled {
            nextPassAt = now
        } else if new.interval != old.interval, pass == nil, let started = lastStartedAt {
            nextPassAt = max(now, started.adding(new.interval))
        }
    }

    /// The page to ask for at `now`, if one is due (starting a pass when one is due); it is in flight until
    /// `pageFinished`.
    public mutating func pageDue(now: Date) -> Page? {
        if pass == nil {
            guard let next = nextPassAt, next <= now else { return nil }
            lastPassNumber += 1
            lastStartedAt = now
            nextPassAt = nil
            pass = Pass(number: lastPassNumber, startedAt: now, listings: configuration.listings, dueAt: now)
        }
        guard var current = pass, let due = current.dueAt, due <= now else { return nil }
        current.dueAt = nil
        pass = current
        return Page(
            pass: current.number, project: current.listings[current.listing], number: current.page,
            freshToken: current.freshToken)
    }

    /// A page came back. Returns `nil` when it belongs to no pass under way (discovery was turned off meanwhile).
    public mutating func pageFinished(
        _ page: Page, outcome: ListOutcome, retry: Policy.RetryConfiguration, now: Date,
        using rng: inout some RandomNumberGenerator
    ) -> PageStep? {
        guard var current = pass, current.number == page.pass, current.dueAt == nil else { return nil }
        switch outcome {
        case .page(let listed):
            current.pages += 1
            current.failures = 0
            current.failingSince = nil
            current.freshToken = false
            current.listed.formUnion(listed.running)
            let more = listed.items >= page.size && (page.number + 1) * page.size < listed.total
            let truncated = current.pages >= Self.maxPages
            if more && !truncated {
                current.page += 1
            } else if current.listing + 1 < current.listings.count && !truncated {
                current.listing += 1
                current.page = 0
            } else {
                pass = current
                return .listed(
                    listed,
                    end: endPass(
                        .finished(pages: current.pages, listed: current.listed.count, truncated: truncated && more),
                        now: now))
            }
            current.dueAt = now
            pass = current
            return .listed(listed, end: nil)
        case .answered(401, _, _) where !page.freshToken:
            current.freshToken = true
            current.dueAt = now
            current.failingSince = current.failingSince ?? now
            pass = current
            return .failed(retryAt: now, end: nil)
        case .answered(let status, let notBefore, let detail):
            let reason = "HTTP \(status)" + (detail.map { ": \($0)" } ?? "")
            return pageFailed(&current, page, reason: reason, notBefore: notBefore, retry: retry, now: now, using: &rng)
        case .failed(let reason):
            return pageFailed(&current, page, reason: reason, notBefore: nil, retry: retry, now: now, using: &rng)
        }
    }

    private mutating func pageFailed(
        _ current: inout Pass, _ page: Page, reason: String, notBefore: Date?, retry: Policy.RetryConfiguration,
        now: Date, using rng: inout some RandomNumberGenerator
    ) -> PageStep {
        current.failures += 1
        current.freshToken = false
        let since = current.failingSince ?? now
        current.failingSince = since
        var next = now.adding(RetrySchedule(retry).delay(afterAttempt: current.failures, using: &rng))
        if let notBefore, notBefore > next { next = notBefore }
        guard next <= since.adding(configuration.interval) else {
            pass = current
            let listing = page.project.map { "project \($0), " } ?? ""
            let error = "listing running tasks failed (\(listing)page \(page.number)): \(reason)"
            return .failed(retryAt: nil, end: endPass(.failed(error: error), now: now))
        }
        current.dueAt = next
        pass = current
        return .failed(retryAt: next, end: nil)
    }

    /// Ends the pass under way at `now` and schedules the next on the grid of its start.
    private mutating func endPass(_ end: PassEnd, now: Date) -> PassEnd {
        guard let current = pass else { return end }
        pass = nil
        switch end {
        case .finished:
            lastPassAt = now
            lastError = nil
        case .failed(let error):
            lastError = error
        }
        // One interval after the start, or the first multiple of it not before the end when the pass ran longer.
        let interval = configuration.interval.timeInterval
        let intervals = max(1, (now.timeIntervalSince(current.startedAt) / interval).rounded(.up))
        var next = current.startedAt.addingTimeInterval(intervals * interval)
        if next < now { next = next.addingTimeInterval(interval) }  // the division rounded down by an ulp
        nextPassAt = next
        return end
    }
}
