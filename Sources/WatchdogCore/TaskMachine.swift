import FoundationEssentials
import WatchdogProtocol

/// The per-task state machine: given an event and a record, it returns the new record and the
/// action the enforcer must take. It performs no I/O and reads no clock; `now` and the random
/// source are passed in, so every decision is exact in tests.
///
/// Give-up rule: `give_up_after` counts from the first attempt of a stop sequence. An attempt is
/// never scheduled at or after that instant: when the next one would be (by backoff or by a
/// `Retry-After` that must be honoured in full), the task is `gave_up` at once.
public struct TaskMachine: Sendable {
    /// How far in the future a client's `started-at` may be.
    public static let maxStartedAtSkew: Duration = .seconds(5 * 60)

    public var policy: Policy
    /// Whether tasks can be read from Maia (not in a dry run without credentials): without reads there is no
    /// watch-time origin read and no confirmation, and `stop_requested` is terminal.
    public var readsTasks: Bool

    public init(policy: Policy, readsTasks: Bool = true) {
        self.policy = policy
        self.readsTasks = readsTasks
    }

    // MARK: watch

    /// A new watch. Fails with `not_allowed` when the allowlist does not admit the task and
    /// `bad_request` when `startedAt` is too far in the future.
    public func watch(
        _ id: TaskID,
        maxRuntime requested: Duration?,
        startedAt: Date?,
        now: Date,
        requestedBy: Requester
    ) -> Result<TaskRecord, ControlError> {
        guard policy.allow.admits(id) else {
            return .failure(ControlError(.notAllowed, "task \(id) is not in the policy's allow list"))
        }
        if let startedAt, startedAt > now.adding(Self.maxStartedAtSkew) {
            return .failure(ControlError(.badRequest, "started-at is more than 5 minutes in the future"))
        }
        let start = startedAt ?? now
        var record = TaskRecord(
            id: id, state: .watching, watchedAt: now, startedAt: start, deadline: nil, maxRuntime: nil,
            requestedMaxRuntime: requested, updatedAt: now, requestedBy: requestedBy)
        applyLimit(to: &record)
        if startedAt == nil, policy.runtimeOrigin == .createdAt, readsTasks {
            // The watch is answered at once; the read that follows may move the origin earlier.
            record.readPurpose = .origin
            record.nextReadAt = now
        }
        return .success(record)
    }

    /// A running task that discovery found and nobody tracks (the allowlist admits it: the enforcer asked). It is
    /// watched as a client's `watch` without `started-at=` would be, with `source = discovery` and nobody as the
    /// requester; its origin comes from a task read (`createdAt`), whatever `runtime_origin` says. A `resumed` task
    /// (its record was `stopped`, and it runs again) counts from `now`, without a read: Maia keeps the `createdAt`
    /// of its first run.
    public func discovered(_ id: TaskID, now: Date, resumed: Bool) -> TaskRecord {
        var record = TaskRecord(
            id: id, state: .watching, watchedAt: now, startedAt: now, deadline: nil, maxRuntime: nil, updatedAt: now,
            requestedBy: Requester(uid: 0, pid: 0))
        record.source = .discovery
        applyLimit(to: &record)
        if !resumed, readsTasks {
            record.readPurpose = .origin
            record.nextReadAt = now
        }
        return record
    }

    /// The limit in force for `record`: the policy's, shortened (never lengthened) by the
    /// client's `max-runtime=`.
    public func limit(for record: TaskRecord) -> TimeSpan {
        let policyLimit = policy.limit(for: record.id)
        guard let requested = record.requestedMaxRuntime else { return policyLimit }
        return TimeSpan.shorter(policyLimit, .finite(requested))
    }

    /// Recomputes the deadline of a `watching` record (after a watch, a policy reload or a new origin). A deadline
    /// moved later is warned about again.
    public func applyLimit(to record: inout TaskRecord) {
        guard record.state == .watching else { return }
        let previous = record.deadline
        switch limit(for: record) {
        case .infinity:
            record.deadline = nil
            record.maxRuntime = nil
        case .finite(let span):
            // The limit in force includes what `extend` granted.
            let limit = span + record.extended
            record.deadline = record.startedAt.adding(limit)
            record.maxRuntime = limit
        }
        if let previous, let deadline = record.deadline, deadline > previous { record.warnedAt = nil }
    }

    /// `extend`: moves a `watching` record's deadline later by `span`, as long as its total extension stays within
    /// `[safety] max_extension`; otherwise `not_allowed` (also for an exempt task), the record unchanged.
    public func extend(_ record: inout TaskRecord, by span: Duration, now: Date) -> ControlError? {
        guard record.state == .watching else {
            return ControlError(
                .notAllowed, "task \(record.id) is \(record.state.rawValue); only a watching task can be extended")
        }
        guard record.deadline != nil else {
            return ControlError(.notAllowed, "task \(record.id) is exempt (no limit); there is nothing to extend")
        }
        let total = record.extended + span
        guard total <= policy.safety.maxExtension else {
            let cap = TimeSpan.finite(policy.safety.maxExtension)
            let granted = TimeSpan.finite(record.extended)
            return ControlError(
                .notAllowed,
                "extending task \(record.id) by \(TimeSpan.finite(span)) would exceed the policy's max_extension "
                    + "(\(cap); \(granted) granted so far)")
        }
        record.extended = total
        record.updatedAt = now
        applyLimit(to: &record)
        return nil
    }

    /// When a `watching` record's `deadline_warning` is due: `warn_before` ahead of its deadline, once per deadline;
    /// `nil` when warnings are off, the task is exempt, or it was warned.
    public func warningInstant(of record: TaskRecord) -> Date? {
        guard record.state == .watching, record.warnedAt == nil, policy.safety.warnBefore > .zero,
            let deadline = record.deadline
        else { return nil }
        return deadline.adding(.zero - policy.safety.warnBefore)
    }

    /// The warning of a `watching` record is due at `now` (and its deadline is not): records it.
    public func warningDue(_ record: inout TaskRecord, now: Date) -> Bool {
        guard let at = warningInstant(of: record), at <= now, let deadline = record.deadline, now < deadline
        else { return false }
        record.warnedAt = now
        return true
    }

    // MARK: deadline and stop

    /// The deadline of a `watching` record has passed.
    public func deadlineReached(_ record: inout TaskRecord, now: Date) -> EnforcerAction? {
        guard record.state == .watching, let deadline = record.deadline, deadline <= now else { return nil }
        return beginStopping(&record, now: now)
    }

    /// The open breaker holds a `watching` record whose deadline passed: no stop call until `release`.
    public func hold(_ record: inout TaskRecord, now: Date) {
        record.state = .held
        record.updatedAt = now
        record.readPurpose = nil
        record.nextReadAt = nil
    }

    /// `release` (or the breaker turned off): a held record starts its stop sequence now, as a passed deadline does.
    public func release(_ record: inout TaskRecord, now: Date) -> EnforcerAction {
        beginStopping(&record, now: now)
    }

    /// A client asked for `stop`. `existing` is the tracked record, if any. Returns the record and
    /// the action, or `nil` action when a stop sequence is already under way (record unchanged).
    public func stopRequested(
        _ id: TaskID,
        existing: TaskRecord?,
        now: Date,
        requestedBy: Requester
    ) -> Result<(TaskRecord, EnforcerAction?), ControlError> {
        guard policy.allow.admits(id) else {
            return .failure(ControlError(.notAllowed, "task \(id) is not in the policy's allow list"))
        }
        if let existing, existing.state == .stopping || (existing.state == .stopRequested && !existing.isSettled) {
            // A stop sequence is under way, or its stop is being confirmed.
            return .success((existing, nil))
        }
        var record =
            existing
            ?? TaskRecord(
                id: id, state: .watching, watchedAt: now, startedAt: now, deadline: nil, maxRuntime: nil,
                updatedAt: now, requestedBy: requestedBy)
        record.state = .watching
        record.firstAttemptAt = nil
        record.lastError = nil
        record.readPurpose = nil
        record.nextReadAt = nil
        record.unconfirmedAt = nil
        record.confirmedAt = nil
        let action = beginStopping(&record, now: now)
        return .success((record, action))
    }

    private func beginStopping(_ record: inout TaskRecord, now: Date) -> EnforcerAction {
        record.updatedAt = now
        record.firstAttemptAt = nil
        if record.readPurpose == .origin {
            // The stop goes out now: what the watch-time read would say no longer matters.
            record.readPurpose = nil
            record.nextReadAt = nil
        }
        if policy.dryRun {
            record.state = .dryRun
            record.nextAttemptAt = nil
            return .finish(.dryRun)
        }
        record.state = .stopping
        record.nextAttemptAt = now
        return .sendStop(freshToken: false)
    }

    /// The shell is about to send an attempt for a `stopping` record. Returns whether it must fetch a fresh
    /// token first: the previous attempt was answered 401 (the record says so, also across a restart).
    @discardableResult
    public func attemptStarted(_ record: inout TaskRecord, now: Date) -> Bool {
        let freshToken = record.lastHTTPStatus == 401
        record.attempts += 1
        if record.firstAttemptAt == nil { record.firstAttemptAt = now }
        record.nextAttemptAt = nil
        record.updatedAt = now
        return freshToken
    }

    /// An attempt came back.
    public func attemptFinished(
        _ record: inout TaskRecord,
        outcome: StopOutcome,
        now: Date,
        using rng: inout some RandomNumberGenerator
    ) -> EnforcerAction {
        let previousStatus = record.lastHTTPStatus
        record.updatedAt = now
        var retryNotBefore: Date?
        switch outcome {
        case .answered(let status, let notBefore, let detail):
            record.lastHTTPStatus = status
            record.lastError = detail
            switch status {
            case 200..<300:
                let step = finish(&record, .stopRequested)
                stopAccepted(&record, now: now)
                return step
            case 409:
                return finish(&record, .notRunning)
            case 404:
                return finish(&record, .notFound)
            case 401 where previousStatus != 401:
                record.nextAttemptAt = now
                return .sendStop(freshToken: true)
            case 429, 500..<600:
                retryNotBefore = notBefore
            default:
                return finish(&record, .rejected)
            }
        case .failed(let reason):
            record.lastError = reason
        }
        return scheduleRetry(&record, now: now, notBefore: retryNotBefore, using: &rng)
    }

    private func scheduleRetry(
        _ record: inout TaskRecord,
        now: Date,
        notBefore: Date?,
        using rng: inout some RandomNumberGenerator
    ) -> EnforcerAction {
        let giveUpAt = giveUpInstant(of: record, now: now)
        let delay = RetrySchedule(policy.retry).delay(afterAttempt: max(1, record.attempts), using: &rng)
        var next = now.adding(delay)
        if let notBefore, notBefore > next { next = notBefore }
        guard next < giveUpAt else {
            guard now < giveUpAt else { return finish(&record, .gaveUp) }
            // No attempt is made at or after give_up_after, and the sequence ends exactly then, not before:
            // the task is `stopping` for the whole `give_up_after` the policy grants it.
            record.nextAttemptAt = giveUpAt
            return .giveUp(at: giveUpAt)
        }
        record.nextAttemptAt = next
        return .sleep(until: next)
    }

    /// First attempt + `give_up_after`: no attempt of the sequence is made at or after it.
    private func giveUpInstant(of record: TaskRecord, now: Date) -> Date {
        (record.firstAttemptAt ?? now).adding(policy.retry.giveUpAfter)
    }

    /// A `stopping` record's retry is due at `now`: `nil` to send it, or `.finish(.gaveUp)` (the record updated)
    /// when `now` is at or past first attempt + `give_up_after`, the instant ``EnforcerAction/giveUp(at:)`` named.
    public func retryDue(_ record: inout TaskRecord, now: Date) -> EnforcerAction? {
        // Only the wake-up `.giveUp(at:)` scheduled ends the sequence: an attempt resumed after a restart (in flight
        // when the daemon stopped) is still made, as before.
        let giveUpAt = giveUpInstant(of: record, now: now)
        guard record.state == .stopping, record.firstAttemptAt != nil, record.nextAttemptAt == giveUpAt, now >= giveUpAt
        else { return nil }
        record.updatedAt = now
        return finish(&record, .gaveUp)
    }

    private func finish(_ record: inout TaskRecord, _ state: TaskState) -> EnforcerAction {
        record.state = state
        record.nextAttemptAt = nil
        return .finish(state)
    }

    // MARK: retention

    /// When a terminal record is dropped.
    public func expiry(of record: TaskRecord) -> Date? {
        guard record.isSettled else { return nil }
        return record.updatedAt.adding(policy.retention)
    }

    /// The next instant the enforcer must look at `record`'s stop: its deadline, next attempt, the end of its
    /// confirmation, or its expiry. Reads are scheduled apart (`nextReadAt`), so that they never hold up a stop.
    public func nextWake(of record: TaskRecord) -> Date? {
        if let warning = warningInstant(of: record), let deadline = record.deadline, warning < deadline {
            return warning
        }
        return record.nextWake ?? expiry(of: record)
    }
}
