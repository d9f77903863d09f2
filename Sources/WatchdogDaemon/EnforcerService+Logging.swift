import FoundationEssentials
import Logging
import WatchdogCore
import WatchdogProtocol

extension EnforcerService {
    /// Writes each note to the journal, in order: the enforcer says what happened, this says it in words.
    func log(_ notes: [Enforcer.Note]) {
        for note in notes { log(note) }
    }

    private func log(_ note: Enforcer.Note) {
        switch note {
        case .resumedInFlight(let record):
            logger.warning(
                "task \(record.id): stop attempt \(record.attempts) was in flight when the daemon stopped; retrying",
                metadata: .event(.stopAttempt, task: record))
        case .watched(let record, let requester):
            logger.info(
                "watching task \(record.id) for uid \(requester.uid) pid \(requester.pid), deadline \(record.deadline.map(RFC3339.format) ?? "none (exempt)")",
                metadata: .event(.watch, task: record, by: requester))
        case .refused(let error, let id, let requester, let verb):
            logger.notice(
                "refused \(verb) of task \(id) from uid \(requester.uid): \(error.message)",
                metadata: [
                    "event": .string(WatchdogEvent.refused.rawValue), "task.id": .string(id.rawValue),
                    "peer.uid": "\(requester.uid)", "peer.pid": "\(requester.pid)",
                ])
        case .stopRequested(let record, let requester):
            logger.notice(
                "stop of task \(record.id) requested by uid \(requester.uid) pid \(requester.pid)",
                metadata: .event(.stopAttempt, task: record, by: requester))
        case .forgot(let record, let requester):
            logger.info(
                "forgot task \(record.id) at the request of uid \(requester.uid)",
                metadata: .event(.forget, task: record, by: requester))
        case .deadlinePassed(let record):
            logger.notice(
                "deadline of task \(record.id) passed (max runtime \(Self.describe(record.maxRuntime)))",
                metadata: .event(.deadline, task: record))
        case .wouldStop(let record):
            logger.notice("would stop task \(record.id) (dry run)", metadata: .event(.wouldStop, task: record))
        case .attemptStarted(let record):
            var metadata = Logger.Metadata.event(.stopAttempt, task: record)
            metadata["attempt"] = "\(record.attempts)"
            logger.info("stop attempt \(record.attempts) for task \(record.id)", metadata: metadata)
        case .attemptFinished(let record, let outcome, let step, let at):
            logResult(record, outcome: outcome, step: step)
            statusBoard.recordStop(at: at, result: Self.statusResult(outcome))
        case .gaveUp(let record, _):
            var metadata = Logger.Metadata.event(.stopResult, task: record)
            metadata["attempt"] = "\(record.attempts)"
            let text =
                "stop of task \(record.id) ended \(record.state.rawValue) after attempt \(record.attempts): "
                + "give_up_after (\(Self.describe(policy.retry.giveUpAfter))) has passed since the first attempt"
            logger.warning("\(text)", metadata: metadata)
        case .lateAnswer(let id, let outcome):
            logger.info(
                "answer for task \(id) arrived after it was forgotten: \(outcome)",
                metadata: ["event": .string(WatchdogEvent.stopResult.rawValue), "task.id": .string(id.rawValue)])
        case .expired(let record):
            logger.info("task \(record.id) dropped after retention", metadata: .event(.expired, task: record))
        case .noLongerAllowed(let record):
            logger.warning(
                "task \(record.id) is no longer allowed by the policy; it is no longer enforced",
                metadata: .event(.forget, task: record))
        }
    }

    private func logResult(_ record: TaskRecord, outcome: StopOutcome, step: EnforcerAction) {
        var metadata = Logger.Metadata.event(.stopResult, task: record)
        metadata["attempt"] = "\(record.attempts)"
        let answer: String
        switch outcome {
        case .answered(let status, _, let detail):
            metadata["http.status"] = "\(status)"
            answer = "HTTP \(status)" + (detail.map { ": \($0)" } ?? "")
        case .failed(let reason):
            answer = reason
        }
        switch step {
        case .finish(let state):
            let level: Logger.Level = state == .stopRequested || state == .notRunning ? .notice : .warning
            logger.log(
                level: level,
                "stop of task \(record.id) ended \(state.rawValue) after attempt \(record.attempts): \(answer)",
                metadata: metadata)
        case .sleep(let until):
            logger.warning(
                "stop attempt \(record.attempts) for task \(record.id) failed (\(answer)); retrying at \(RFC3339.format(until))",
                metadata: metadata)
        case .giveUp(let at):
            let text =
                "stop attempt \(record.attempts) for task \(record.id) failed (\(answer)); no retry fits before "
                + "give_up_after: the stop ends gave_up at \(RFC3339.format(at))"
            logger.warning("\(text)", metadata: metadata)
        case .sendStop:
            logger.warning(
                "stop attempt \(record.attempts) for task \(record.id) got \(answer); retrying with a fresh token",
                metadata: metadata)
        }
    }
}

extension Logger.Metadata {
    /// The event's fields for `record`, with the peer that asked for it.
    static func event(_ event: WatchdogEvent, task record: TaskRecord, by requester: Requester) -> Self {
        var metadata = Self.event(event, task: record)
        metadata["peer.uid"] = "\(requester.uid)"
        metadata["peer.pid"] = "\(requester.pid)"
        return metadata
    }
}
