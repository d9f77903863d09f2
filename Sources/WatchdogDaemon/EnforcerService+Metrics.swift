import CoreMetrics
import FoundationEssentials
import WatchdogCore
import WatchdogProtocol

extension EnforcerService {
    /// Counts what the notes say happened: the metrics' side of `log(_:)`, deciding nothing either.
    func count(_ notes: [Enforcer.Note]) {
        for note in notes { count(note) }
    }

    private func count(_ note: Enforcer.Note) {
        switch note {
        case .deadlinePassed(let record), .held(let record):
            if let deadline = record.deadline {
                DaemonMetrics.record(record.updatedAt.timeIntervalSince(deadline), in: metrics.lateness)
            }
        case .breakerOpened:
            metrics.count(MetricCatalog.breakerOpenings)
        case .wouldStop:
            ended(.dryRun)
        case .attemptFinished(let record, let outcome, let step, _):
            let status: String
            if case .answered(let code, _, _) = outcome { status = String(code) } else { status = "none" }
            metrics.count(MetricCatalog.stopAttempts, ("status", status), ("result", Self.result(of: step)))
            switch step {
            case .sleep, .sendStop: metrics.count(MetricCatalog.retries, ("request", "stop"))
            case .finish, .giveUp: break
            }
            if record.isSettled { ended(record.state) }
        case .gaveUp(let record, _):
            ended(record.state)
        case .statusRead(let record, _, let outcome, let step):
            switch step {
            case .readAgain where outcome.taskStatus == nil:
                metrics.count(MetricCatalog.retries, ("request", "read"))
            case .finish(let state):
                ended(state)
                if state == .stopped, let confirmed = record.confirmedAt, let accepted = record.lastAcceptedAt {
                    DaemonMetrics.record(confirmed.timeIntervalSince(accepted), in: metrics.confirmation)
                }
            case .readAgain, .originChecked, .restop:
                break
            }
        case .unconfirmed:
            ended(.stopUnconfirmed)
        case .discovered:
            metrics.count(MetricCatalog.discoveredTasks, ("how", "discovered"))
        case .resumed:
            metrics.count(MetricCatalog.discoveredTasks, ("how", "resumed"))
        case .pageFailed(_, _, let retryAt):
            if retryAt != nil { metrics.count(MetricCatalog.retries, ("request", "list")) }
        case .passEnded(.finished, let at):
            metrics.count(MetricCatalog.discoveryPasses, ("result", "ok"))
            metrics.discoveryLastSuccess.set(at.timeIntervalSince1970)
        case .passEnded(.failed, _):
            metrics.count(MetricCatalog.discoveryPasses, ("result", "failed"))
        case .resumedInFlight, .watched, .refused, .stopRequested, .extended, .forgot, .deadlineWarning, .released,
            .attemptStarted, .lateAnswer, .lateRead, .expired, .noLongerAllowed, .malformedListItems, .latePage:
            break
        }
    }

    /// Counts one answered task read, by its purpose (`origin`, `confirm`): `ok` (Maia sent the task), `not_found`
    /// (404) or `failed`.
    func countRead(_ read: Enforcer.Read, _ outcome: ReadOutcome) {
        let result: String
        switch outcome {
        case .task: result = "ok"
        case .answered(404, _, _): result = "not_found"
        case .answered, .failed: result = "failed"
        }
        metrics.count(MetricCatalog.reads, ("kind", read.purpose.rawValue), ("result", result))
    }

    /// Counts one answered list page (kind `list`): `ok` or `failed`.
    func countPage(_ outcome: ListOutcome) {
        let result: String
        switch outcome {
        case .page: result = "ok"
        case .answered, .failed: result = "failed"
        }
        metrics.count(MetricCatalog.reads, ("kind", "list"), ("result", result))
    }

    /// The gauges that follow the tracked tasks; called with every change, like the status board.
    func sampleTasks() {
        metrics.setTasks(counts())
        metrics.breakerOpen.set(enforcer.breaker.isOpen ? 1 : 0)
        metrics.breakerHeld.set(enforcer.records.counts[.held] ?? 0)
    }

    private func ended(_ state: TaskState) {
        metrics.count(MetricCatalog.taskEnds, ("state", state.rawValue))
    }

    /// What followed an answered stop request, as the `result` label: the state it ended in, or `retry`,
    /// `fresh_token` (a 401: retried at once with a new token), `gives_up` (no retry fits before `give_up_after`).
    private static func result(of step: EnforcerAction) -> String {
        switch step {
        case .finish(let state): state.rawValue
        case .sleep: "retry"
        case .sendStop: "fresh_token"
        case .giveUp: "gives_up"
        }
    }
}
