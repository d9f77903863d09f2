import FoundationEssentials
import Logging
import WatchdogCore
import WatchdogProtocol

extension EnforcerService {
    /// Discovery's notes in words: a found task at `notice`, a failed pass at `error`, a good pass at `debug` (one a
    /// minute by default: the journal stays quiet while nothing is found).
    func logDiscovery(_ note: Enforcer.Note) {
        switch note {
        case .discovered(let record):
            let deadline = record.deadline.map(RFC3339.format) ?? "none (exempt)"
            logger.notice(
                "discovered running task \(record.id) that nobody handed over; watching it, deadline \(deadline) until its createdAt is read",
                metadata: .event(.discovered, task: record))
        case .resumed(let record, let previous):
            let confirmed = previous.confirmedAt.map { " (its stop was confirmed at \(RFC3339.format($0)))" } ?? ""
            let deadline = record.deadline.map(RFC3339.format) ?? "none (exempt)"
            logger.notice(
                "task \(record.id) runs again after it was stopped\(confirmed); watching it as a new run, deadline \(deadline)",
                metadata: .event(.resumed, task: record))
        case .pageFailed(let page, let outcome, let retryAt?):
            logger.info(
                "list page \(page.number)\(Self.project(page)) failed (\(Self.describe(outcome))); asking again at \(RFC3339.format(retryAt))",
                metadata: ["event": .string(WatchdogEvent.discoveryPass.rawValue)])
        case .pageFailed:
            break  // The pass failed: `passEnded` says so.
        case .malformedListItems(let page, let ids):
            let shown = ids.prefix(3).map { quotedForMessage($0) }.joined(separator: ", ")
            logger.warning(
                "list page \(page.number)\(Self.project(page)) held \(ids.count) items whose taskId is no UUID (\(shown)); skipped",
                metadata: ["event": .string(WatchdogEvent.discoveryPass.rawValue)])
        case .passEnded(.failed(let error), _):
            let next = enforcer.discovery.nextPassAt.map(RFC3339.format) ?? "none"
            logger.error(
                "discovery pass failed: \(error); tracked tasks are enforced as before; next pass at \(next)",
                metadata: ["event": .string(WatchdogEvent.discoveryFailed.rawValue)])
        case .passEnded(.finished(let pages, let listed, let truncated), _):
            let metadata: Logger.Metadata = ["event": .string(WatchdogEvent.discoveryPass.rawValue)]
            if truncated {
                logger.warning(
                    "discovery pass stopped at \(pages) pages (\(listed) running tasks): more are listed than one pass reads; narrow [discover] projects",
                    metadata: metadata)
            } else {
                logger.debug("discovery pass listed \(listed) running tasks in \(pages) pages", metadata: metadata)
            }
        case .latePage(let page):
            logger.debug(
                "list page \(page.number) answered after discovery was turned off; ignored",
                metadata: ["event": .string(WatchdogEvent.discoveryPass.rawValue)])
        default:
            break
        }
    }

    private static func project(_ page: Discovery.Page) -> String {
        page.project.map { " of project \(quotedForMessage($0))" } ?? ""
    }

    static func describe(_ outcome: ListOutcome) -> String {
        switch outcome {
        case .page(let page): return "\(page.items) items"
        case .answered(let status, _, let detail): return "HTTP \(status)" + (detail.map { ": \($0)" } ?? "")
        case .failed(let reason): return reason
        }
    }
}
