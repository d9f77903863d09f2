import FoundationEssentials
import WatchdogProtocol

/// Task reads: the watch-time read that may move the runtime origin earlier (`runtime_origin = "created_at"`), and
/// the reads after a 204 that confirm the stop (`[confirm]`). A read never makes a task `rejected` or `gave_up`:
/// what it cannot learn it tries again later, with the retry backoff.
extension TaskMachine {
    /// Maia's statuses that end a task.
    static func hasEnded(_ status: String) -> Bool { status == "STOPPED" || status == "ERRORED" }

    /// A read of `record` is about to be sent; it is in flight until `readFinished`. Nothing to store: a restart
    /// before the answer finds the read due and makes it again.
    public func readStarted(_ record: inout TaskRecord) {
        record.nextReadAt = nil
    }

    /// A read came back. `purpose` is what it was sent for, `freshToken` whether it was the retry after a 401.
    /// Returns `nil` when the record no longer waits for this read (its state moved on meanwhile): the answer is
    /// only noted.
    public func readFinished(
        _ record: inout TaskRecord,
        purpose: ReadPurpose,
        outcome: ReadOutcome,
        freshToken: Bool,
        now: Date,
        using rng: inout some RandomNumberGenerator
    ) -> ReadStep? {
        guard record.readPurpose == purpose, record.nextReadAt == nil,
            record.state == (purpose == .origin ? .watching : .stopRequested)
        else { return nil }
        record.updatedAt = now
        switch outcome {
        case .task(let status, let createdAt):
            record.maiaStatus = status
            record.reads += 1
            record.readFailures = 0
            switch purpose {
            case .origin: return originRead(&record, status: status, createdAt: createdAt)
            case .confirm: return confirmRead(&record, status: status, now: now)
            }
        case .answered(404, _, _):
            return endRead(&record, .notFound)
        case .answered(401, _, _) where !freshToken:
            record.nextReadAt = now
            return .readAgain(at: now, freshToken: true)
        case .answered(_, let notBefore, _):
            return readFailed(&record, now: now, notBefore: notBefore, using: &rng)
        case .failed:
            return readFailed(&record, now: now, notBefore: nil, using: &rng)
        }
    }

    private func originRead(_ record: inout TaskRecord, status: String, createdAt: Date?) -> ReadStep {
        if Self.hasEnded(status) { return endRead(&record, .notRunning) }
        record.readPurpose = nil
        guard let createdAt, createdAt < record.startedAt else { return .originChecked(movedFrom: nil) }
        let previous = record.startedAt
        record.startedAt = createdAt
        applyLimit(to: &record)
        return .originChecked(movedFrom: previous)
    }

    private func confirmRead(_ record: inout TaskRecord, status: String, now: Date) -> ReadStep {
        if Self.hasEnded(status) {
            record.confirmedAt = now
            return endRead(&record, .stopped)
        }
        if status != "STOPPING", let accepted = record.lastAcceptedAt,
            now >= accepted.adding(policy.confirm.restopAfter)
        {
            // RUNNING (or a status the daemon does not know, treated alike) too long after the last 204.
            record.state = .stopping
            record.readPurpose = nil
            record.firstAttemptAt = nil
            record.lastError = nil
            record.nextAttemptAt = now
            return .restop
        }
        let next = now.adding(policy.confirm.interval(afterReads: record.reads))
        record.nextReadAt = next
        return .readAgain(at: next, freshToken: false)
    }

    private func readFailed(
        _ record: inout TaskRecord, now: Date, notBefore: Date?, using rng: inout some RandomNumberGenerator
    ) -> ReadStep {
        record.readFailures += 1
        var next = now.adding(RetrySchedule(policy.retry).delay(afterAttempt: record.readFailures, using: &rng))
        if let notBefore, notBefore > next { next = notBefore }
        record.nextReadAt = next
        return .readAgain(at: next, freshToken: false)
    }

    private func endRead(_ record: inout TaskRecord, _ state: TaskState) -> ReadStep {
        record.state = state
        record.readPurpose = nil
        record.nextReadAt = nil
        record.nextAttemptAt = nil
        return .finish(state)
    }

    // MARK: confirmation

    /// A 204: with `[confirm] enabled` (and reads possible), the reads start `first_check` from now, and the stop
    /// must be confirmed by first 204 + `give_up_after` (kept across re-stops).
    func stopAccepted(_ record: inout TaskRecord, now: Date) {
        guard policy.confirm.enabled, readsTasks else { return }
        record.lastAcceptedAt = now
        if record.unconfirmedAt == nil { record.unconfirmedAt = now.adding(policy.confirm.giveUpAfter) }
        record.readPurpose = .confirm
        record.reads = 0
        record.readFailures = 0
        record.nextReadAt = now.adding(policy.confirm.firstCheck)
    }

    /// First 204 + `[confirm] give_up_after` has come without Maia reporting the task STOPPED or ERRORED: the record
    /// ends `stop_unconfirmed` (also when a re-stop is backing off or in flight). Returns whether it did.
    public func confirmationExpired(_ record: inout TaskRecord, now: Date) -> Bool {
        guard let at = record.unconfirmedAt, now >= at, record.state == .stopping || record.state == .stopRequested
        else { return false }
        record.updatedAt = now
        record.state = .stopUnconfirmed
        record.readPurpose = nil
        record.nextReadAt = nil
        record.nextAttemptAt = nil
        return true
    }
}
