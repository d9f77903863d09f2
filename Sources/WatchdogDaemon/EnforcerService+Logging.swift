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
        case .extended(let record, let requester, let span):
            var metadata = Logger.Metadata.event(.extended, task: record, by: requester)
            let deadline = record.deadline.map(RFC3339.format) ?? "none"
            metadata["deadline"] = .string(deadline)
            let text =
                "task \(record.id) extended by \(Self.describe(span)) at the request of uid \(requester.uid) pid "
                + "\(requester.pid): new deadline \(deadline), \(Self.describe(record.extended)) granted in all"
            logger.notice("\(text)", metadata: metadata)
        case .forgot(let record, let requester):
            logger.info(
                "forgot task \(record.id) at the request of uid \(requester.uid)",
                metadata: .event(.forget, task: record, by: requester))
        case .deadlineWarning(let record):
            var metadata = Logger.Metadata.event(.deadlineWarning, task: record)
            let deadline = record.deadline.map(RFC3339.format) ?? "none"
            metadata["deadline"] = .string(deadline)
            logger.warning(
                "task \(record.id) will be stopped at \(deadline), its deadline (max runtime \(Self.describe(record.maxRuntime)))",
                metadata: metadata)
        case .breakerOpened(let record):
            let safety = policy.safety
            let text =
                "breaker open: the deadline of task \(record.id) would start more than \(safety.maxStops) deadline "
                + "stops within \(Self.describe(safety.window)); it and every task whose deadline passes are held "
                + "(no stop call) until `maia-watchdogctl release`. Check the policy first"
            logger.critical("\(text)", metadata: .event(.breakerOpen, task: record))
        case .held(let record):
            logger.warning(
                "deadline of task \(record.id) passed; held by the open breaker, not stopped",
                metadata: .event(.held, task: record))
        case .released(let count, let requester):
            var metadata: Logger.Metadata = ["event": .string(WatchdogEvent.breakerReleased.rawValue)]
            let who: String
            if let requester {
                metadata["peer.uid"] = "\(requester.uid)"
                metadata["peer.pid"] = "\(requester.pid)"
                who = "released by uid \(requester.uid) pid \(requester.pid)"
            } else {
                who = "turned off by a policy reload"
            }
            logger.notice("breaker closed (\(who)): \(count) held tasks start their stop sequences", metadata: metadata)
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
        case .statusRead(let record, let read, let outcome, let step):
            logRead(record, read, outcome, step: step)
        case .lateRead(let read, let outcome):
            var metadata: Logger.Metadata = [
                "event": .string(WatchdogEvent.statusRead.rawValue), "task.id": .string(read.id.rawValue),
            ]
            if let status = outcome.taskStatus { metadata["task.status"] = .string(status) }
            logger.info(
                "read of task \(read.id) answered after the task moved on (\(Self.describe(outcome))); nothing to do",
                metadata: metadata)
        case .unconfirmed(let record):
            let text =
                "stop of task \(record.id) is unconfirmed: Maia did not report it STOPPED or ERRORED within "
                + "give_up_after (\(Self.describe(policy.confirm.giveUpAfter))) of the first 204; last status read: "
                + "\(record.maiaStatus ?? "none"). Check the task in Maia"
            logger.critical("\(text)", metadata: .event(.stopUnconfirmed, task: record))
        case .expired(let record):
            logger.info("task \(record.id) dropped after retention", metadata: .event(.expired, task: record))
        case .noLongerAllowed(let record):
            logger.warning(
                "task \(record.id) is no longer allowed by the policy; it is no longer enforced",
                metadata: .event(.forget, task: record))
        case .discovered, .resumed, .pageFailed, .malformedListItems, .passEnded, .latePage:
            logDiscovery(note)
        }
    }

    private func logRead(_ record: TaskRecord, _ read: Enforcer.Read, _ outcome: ReadOutcome, step: ReadStep) {
        var metadata = Logger.Metadata.event(.statusRead, task: record)
        if let status = outcome.taskStatus { metadata["task.status"] = .string(status) }
        if case .answered(let status, _, _) = outcome { metadata["http.status"] = "\(status)" }
        let id = record.id
        let answer = Self.describe(outcome)
        switch step {
        case .originChecked(let movedFrom?):
            let text =
                "task \(id) is \(answer) at Maia, created \(RFC3339.format(record.startedAt)): its runtime counts "
                + "from then, not from the watch (\(RFC3339.format(movedFrom))); deadline "
                + (record.deadline.map(RFC3339.format) ?? "none (exempt)")
            logger.info("\(text)", metadata: metadata)
        case .originChecked(nil):
            logger.info(
                "task \(id) is \(answer) at Maia; its runtime counts from \(RFC3339.format(record.startedAt))",
                metadata: metadata)
        case .finish(.stopped):
            logger.info("task \(id) is \(answer) at Maia", metadata: metadata)
            logger.notice(
                "stop of task \(id) confirmed: Maia reports \(answer)", metadata: .event(.stopConfirmed, task: record))
        case .finish(let state):
            let why = read.purpose == .origin ? "no stop call is made" : "after its stop was accepted"
            logger.notice("read of task \(id): \(answer); it ends \(state.rawValue), \(why)", metadata: metadata)
        case .restop:
            logger.info("task \(id) is \(answer) at Maia", metadata: metadata)
            let text =
                "task \(id) still runs \(Self.describe(policy.confirm.restopAfter)) after its stop was accepted; "
                + "stopping it again"
            logger.warning("\(text)", metadata: .event(.restop, task: record))
        case .readAgain(_, true):
            logger.warning("read of task \(id) got \(answer); reading again with a fresh token", metadata: metadata)
        case .readAgain(let at, false):
            let level: Logger.Level = outcome.taskStatus == nil ? .warning : .info
            let text =
                outcome.taskStatus == nil ? "read of task \(id) failed (\(answer))" : "task \(id) is \(answer) at Maia"
            logger.log(level: level, "\(text); next read at \(RFC3339.format(at))", metadata: metadata)
        }
    }

    /// A read's answer in a few words: Maia's status, the HTTP status and detail, or why there was none.
    static func describe(_ outcome: ReadOutcome) -> String {
        switch outcome {
        case .task(let status, _): return status
        case .answered(let status, _, let detail): return "HTTP \(status)" + (detail.map { ": \($0)" } ?? "")
        case .failed(let reason): return reason
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
        case .finish(.stopRequested) where record.readPurpose == .confirm:
            let text =
                "stop of task \(record.id) accepted after attempt \(record.attempts) (\(answer)); confirming, first "
                + "read at \(record.nextReadAt.map(RFC3339.format) ?? "once a slot is free")"
            logger.notice("\(text)", metadata: metadata)
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
