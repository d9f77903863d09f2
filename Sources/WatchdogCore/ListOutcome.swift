import FoundationEssentials
import WatchdogProtocol

/// What one page of Maia's task list (`GET /v1/ai/agents/tasks?status=RUNNING…`) came back with, as discovery
/// needs it.
public enum ListOutcome: Sendable, Equatable {
    /// 200: the page.
    case page(ListedPage)
    /// Any other answer. `retryNotBefore` is the `Retry-After` as an instant; `detail` the ProblemDetail in a line.
    case answered(status: Int, retryNotBefore: Date?, detail: String?)
    /// No answer: timeout, connection failure, no usable token, an unusable body.
    case failed(reason: String)
}

/// One listed page, reduced to what discovery decides on.
public struct ListedPage: Sendable, Equatable {
    /// The tasks the page lists as running (RUNNING, or a status the daemon does not know, which it treats alike),
    /// in the page's order.
    public var running: [TaskID]
    /// How many items the page held, whatever their status or ID: a page shorter than the size asked for is the last.
    public var items: Int
    /// Tasks matching the filter over all pages, as Maia counted them for this page.
    public var total: Int
    /// Item IDs that are no UUID, as sent (skipped, and logged).
    public var malformedIDs: [String]

    public init(running: [TaskID], items: Int, total: Int, malformedIDs: [String] = []) {
        self.running = running
        self.items = items
        self.total = total
        self.malformedIDs = malformedIDs
    }
}
