import FoundationEssentials
import WatchdogProtocol

/// Every decision the daemon makes about its tracked tasks, as a value: the fleet-level state machine around
/// `TaskMachine`. It owns the records (`TaskTable`), two `DeadlineQueue`s that say when to look next (one for
/// stops: deadlines, attempts, the end of a confirmation, expiry; one for task reads, so that a read can never hold
/// up a stop), the attempts and reads in flight (at most `max_in_flight` of each), and the watches not yet on disk.
/// Events go in (a request, the timer, an attempt's or a read's answer, a commit, a reload, the records loaded at
/// start); `Effects` come out (store these records, start these attempts and reads, log these notes), and `timer`
/// says when to call `timerFired` next.
///
/// It performs no I/O and reads no clock: `now` and the random source are passed in, so every schedule is exact
/// in tests. `EnforcerService` executes the effects. The shape follows async-http-client's
/// `HTTPConnectionPool.StateMachine`: the machine owns the queue and the connections, the shell runs its actions.
public struct Enforcer: Sendable {
    public private(set) var machine: TaskMachine
    public internal(set) var records = TaskTable()
    /// `[safety] max_stops`: holds back a burst of deadline-driven stops until a person looks.
    public internal(set) var breaker = Breaker()
    /// `[discover]`: when to list Maia's running tasks, and how the last pass went.
    public internal(set) var discovery: Discovery
    private var queue = DeadlineQueue()
    private var readQueue = DeadlineQueue()
    /// Forgotten tasks that discovery leaves alone, until when (`retention` after the `forget`).
    public internal(set) var tombstones: [TaskID: Date] = [:]
    var tombstoneQueue = DeadlineQueue()
    /// Tasks whose attempt has been started and not yet answered.
    public private(set) var inFlight: Set<TaskID> = []
    /// Tasks whose read has been started and not yet answered.
    public private(set) var readsInFlight: Set<TaskID> = []
    /// Reads to send with a fresh token (the previous read was answered 401).
    private var freshTokenReads: Set<TaskID> = []
    /// Due attempts wait for a free slot: no stop timer until an attempt finishes (and no read or list page starts).
    var waitingForSlot = false
    /// Due reads wait for a free read slot: no read timer until a read finishes.
    private var waitingForReadSlot = false
    /// Watches not yet on disk, so that a concurrent watch of the same ID is answered only after the first.
    var pendingWatches: [TaskID: CommitID] = [:]
    private var lastCommit: UInt64 = 0

    /// `readsTasks`: whether Maia's tasks can be read (not in a dry run without credentials).
    public init(policy: Policy, readsTasks: Bool = true) {
        machine = TaskMachine(policy: policy, readsTasks: readsTasks)
        discovery = Discovery(policy.discover)
    }

    public var policy: Policy { machine.policy }

    /// When the shell must next call `timerFired`: the earliest deadline, attempt, read, discovery page or expiry,
    /// or `nil` when there is none. Due attempts (or reads) that wait for a slot arm nothing until `attemptFinished`
    /// (or `readFinished`) frees one, and neither do reads and pages while stops wait.
    public var timer: Date? {
        let stops = waitingForSlot ? nil : queue.earliest
        let reads = waitingForReadSlot ? nil : readQueue.earliest
        let pages = waitingForSlot ? nil : discovery.timer
        return [stops, reads, pages, tombstoneQueue.earliest].compactMap { $0 }.min()
    }

    // MARK: events

    /// The records loaded at start. Deadlines that passed while the daemon was down are due at once, and stops
    /// that were backing off resume at their next attempt; an attempt that was in flight is retried at once.
    public mutating func restored(_ stored: [TaskRecord], now: Date) -> Effects {
        defer { pruneStaleEntries() }
        var effects = Effects()
        records.reserveCapacity(stored.count)
        for var record in stored {
            guard record.state != .forgotten else {
                // A tombstone: it lasts `retention` from the `forget`.
                let expiry = record.updatedAt.adding(machine.policy.retention)
                tombstones[record.id] = expiry
                tombstoneQueue.push(record.id, at: expiry)
                continue
            }
            if machine.resume(&record, now: now) { effects.notes.append(.resumedInFlight(record)) }
            records[record.id] = record
        }
        // The breaker was open when the daemon stopped if it held tasks: it stays open until `release`.
        if let opened = stored.filter({ $0.state == .held }).map(\.updatedAt).min() {
            breaker = Breaker(openedAt: opened)
        }
        rebuildQueue()
        return effects
    }

    /// Acts on everything due at `now`: passed deadlines start their stop sequences, due attempts start while
    /// slots are free, expired terminal records are dropped.
    public mutating func timerFired(now: Date) -> Effects {
        defer { pruneStaleEntries() }
        var effects = Effects()
        var saving: [TaskRecord] = []
        var removing: [TaskID] = []
        waitingForSlot = false
        drain: while let entry = queue.popDue(now: now) {
            // A stale entry (the record changed or went since it was queued) is skipped.
            guard var record = records[entry.id], machine.nextWake(of: record) == entry.at else { continue }
            if machine.confirmationExpired(&record, now: now) {
                effects.notes.append(.unconfirmed(record))
                records[record.id] = record
                saving.append(record)
                schedule(record)
                continue
            }
            switch record.state {
            case .watching:
                if machine.warningDue(&record, now: now) {
                    effects.notes.append(.deadlineWarning(record))
                    break
                }
                guard let deadline = record.deadline, deadline <= now else { continue }
                let wasOpen = breaker.isOpen
                let safety = machine.policy.safety
                guard breaker.admit(now: now, maxStops: safety.maxStops, window: safety.window) else {
                    machine.hold(&record, now: now)
                    if !wasOpen { effects.notes.append(.breakerOpened(record)) }
                    effects.notes.append(.held(record))
                    break
                }
                guard let step = machine.deadlineReached(&record, now: now) else { continue }
                effects.notes.append(.deadlinePassed(record))
                switch step {
                case .finish(.dryRun):
                    effects.notes.append(.wouldStop(record))
                case .sendStop:
                    if hasFreeSlot { start(&record, now: now, into: &effects) }
                default:
                    break
                }
            case .stopping:
                if let step = machine.retryDue(&record, now: now) {
                    effects.notes.append(.gaveUp(record, step: step))
                    break
                }
                guard hasFreeSlot else {
                    // Put it back; a finished attempt frees the slot and the shell calls again.
                    queue.push(record.id, at: entry.at)
                    waitingForSlot = true
                    break drain
                }
                start(&record, now: now, into: &effects)
            default:
                records[record.id] = nil
                removing.append(record.id)
                effects.notes.append(.expired(record))
                continue
            }
            records[record.id] = record
            saving.append(record)
            if let next = machine.nextWake(of: record) {
                queue.push(record.id, at: next)
                // Due now and not started: it waits for a slot, and so does everything due after it.
                if next <= now && record.state == .stopping && !inFlight.contains(record.id) {
                    waitingForSlot = true
                    break drain
                }
            }
        }
        startDueReads(now: now, into: &effects)
        startDuePage(now: now, into: &effects)
        removing += expireTombstones(now: now)
        effects.persist = persist(saving, removing)
        return effects
    }

    /// Starts the reads due at `now` while read slots are free. A read is not stored before it is sent: a restart
    /// finds it due and makes it again.
    ///
    /// No read starts while due stops wait for an attempt slot: the rate limiter lets a waiting stop go before a
    /// waiting read, but only the `max_in_flight` stops in flight wait there, and each token a read takes meanwhile
    /// (a new minute's burst, the gap between one stop's answer and the next stop's request) is one a stop of the
    /// backlog would have had. So reads fill only what the stops leave (docs/performance.md, "A burst of stops with
    /// confirmation"); they resume when the backlog is gone, an attempt's answer calling the timer again.
    private mutating func startDueReads(now: Date, into effects: inout Effects) {
        waitingForReadSlot = false
        guard !waitingForSlot else {
            waitingForReadSlot = readQueue.earliest.map { $0 <= now } ?? false
            return
        }
        while let entry = readQueue.popDue(now: now) {
            guard var record = records[entry.id], let purpose = record.readPurpose, record.nextReadAt == entry.at,
                !readsInFlight.contains(entry.id)
            else { continue }
            guard readsInFlight.count < machine.policy.api.maxInFlight else {
                readQueue.push(entry.id, at: entry.at)
                waitingForReadSlot = true
                return
            }
            machine.readStarted(&record)
            records[record.id] = record
            readsInFlight.insert(record.id)
            let freshToken = freshTokenReads.remove(record.id) != nil
            effects.reads.append(Read(id: record.id, purpose: purpose, freshToken: freshToken))
        }
    }

    /// A read came back. Its slot is free again. What it says may end the task (404, STOPPED), confirm its stop,
    /// move its origin earlier (and so its deadline, which may then be due at once), or ask for the stop again.
    public mutating func readFinished(
        _ read: Read, outcome: ReadOutcome, now: Date, using rng: inout some RandomNumberGenerator
    ) -> Effects {
        defer { pruneStaleEntries() }
        readsInFlight.remove(read.id)
        waitingForReadSlot = false
        var effects = Effects()
        guard var record = records[read.id],
            let step = machine.readFinished(
                &record, purpose: read.purpose, outcome: outcome, freshToken: read.freshToken, now: now, using: &rng)
        else {
            effects.notes.append(.lateRead(read, outcome))
            // A read due for the record as it is now (watched again while this one was in flight) was skipped
            // while this one was out: queue it again.
            if let due = records[read.id]?.nextReadAt { readQueue.push(read.id, at: due) }
            return effects
        }
        if case .readAgain(_, true) = step { freshTokenReads.insert(read.id) }
        records[read.id] = record
        schedule(record)
        effects.notes.append(.statusRead(record, read, outcome, step: step))
        effects.persist = persist([record], [])
        return effects
    }

    /// An attempt came back. Its slot is free again; a retry waits in the queue (at once after a 401, with
    /// the fresh token, or after its backoff).
    public mutating func attemptFinished(
        _ id: TaskID, outcome: StopOutcome, now: Date, using rng: inout some RandomNumberGenerator
    ) -> Effects {
        defer { pruneStaleEntries() }
        inFlight.remove(id)
        waitingForSlot = false
        var effects = Effects()
        guard var record = records[id], record.state == .stopping else {
            effects.notes.append(.lateAnswer(id, outcome))
            return effects
        }
        let step = machine.attemptFinished(&record, outcome: outcome, now: now, using: &rng)
        records[id] = record
        schedule(record)
        effects.notes.append(.attemptFinished(record, outcome, step: step, at: now))
        effects.persist = persist([record], [])
        return effects
    }

    /// A new, valid policy: new watches use it, `watching` deadlines are recomputed, and tasks the new allowlist
    /// no longer admits stop being enforced (dropped, and noted).
    public mutating func reloaded(_ policy: Policy, now: Date) -> Effects {
        defer { pruneStaleEntries() }
        let wasEnabled = machine.policy.safety.maxStops > 0
        machine.policy = policy
        discovery.configure(policy.discover, now: now)
        var effects = Effects()
        var saving: [TaskRecord] = []
        var removing: [TaskID] = []
        if !wasEnabled && policy.safety.maxStops > 0 { breaker.enabled() }
        if policy.safety.maxStops == 0 && breaker.isOpen {
            // The breaker is off: nothing may stay held.
            saving += releaseHeld(now: now, into: &effects)
            effects.notes.append(.released(saving.count, by: nil))
        }
        for (id, record) in records where !record.isSettled {
            guard policy.allow.admits(id) else {
                records[id] = nil
                removing.append(id)
                effects.notes.append(.noLongerAllowed(record))
                continue
            }
            var updated = record
            machine.applyLimit(to: &updated)
            if updated != record {
                records[id] = updated
                saving.append(updated)
            }
        }
        rebuildQueue()
        effects.persist = persist(saving, removing)
        return effects
    }

    // MARK: helpers

    private var hasFreeSlot: Bool { inFlight.count < machine.policy.api.maxInFlight }

    /// Closes the breaker and starts the stop sequence of every held task (through `max_in_flight` and the rate
    /// limit, like any due attempt); returns the records, by ID.
    mutating func releaseHeld(now: Date, into effects: inout Effects) -> [TaskRecord] {
        breaker.release()
        var released: [TaskRecord] = []
        for (id, var record) in records where record.state == .held {
            if case .finish(.dryRun) = machine.release(&record, now: now) { effects.notes.append(.wouldStop(record)) }
            records[id] = record
            schedule(record)
            released.append(record)
        }
        return released.sorted { $0.id.rawValue < $1.id.rawValue }
    }

    /// Records the attempt as started (write-ahead) and asks the shell to send it.
    private mutating func start(_ record: inout TaskRecord, now: Date, into effects: inout Effects) {
        let freshToken = machine.attemptStarted(&record, now: now)
        inFlight.insert(record.id)
        effects.attempts.append(Attempt(id: record.id, number: record.attempts, freshToken: freshToken))
        effects.notes.append(.attemptStarted(record))
    }

    /// Queues `record`'s next wake-up and its next read, if it has them.
    mutating func schedule(_ record: TaskRecord) {
        if let next = machine.nextWake(of: record) { queue.push(record.id, at: next) }
        if let read = record.nextReadAt { readQueue.push(record.id, at: read) }
    }

    /// A store commit of these changes, or `nil` when there are none.
    mutating func persist(_ saving: [TaskRecord], _ removing: [TaskID]) -> Persist? {
        guard !saving.isEmpty || !removing.isEmpty else { return nil }
        return commit(saving, removing)
    }

    /// A store commit of one record.
    mutating func persist(saving record: TaskRecord) -> Persist { commit([record], []) }

    private mutating func commit(_ saving: [TaskRecord], _ removing: [TaskID]) -> Persist {
        lastCommit += 1
        return Persist(commit: CommitID(rawValue: lastCommit), saving: saving, removing: removing)
    }

    /// Drops the entries at the head of each queue that no longer match their record (it changed, ended or went
    /// since they were queued), so that `timer` names a real wake-up, not a stale one. Called at the end of every
    /// event; a stale entry deeper in a queue is skipped when it comes up.
    mutating func pruneStaleEntries() {
        while let entry = queue.first, records[entry.id].map({ machine.nextWake(of: $0) }) != entry.at {
            queue.removeFirst()
        }
        while let entry = readQueue.first, records[entry.id]?.nextReadAt != entry.at {
            readQueue.removeFirst()
        }
    }

    private mutating func rebuildQueue() {
        var entries: [DeadlineQueue.Entry] = []
        var reads: [DeadlineQueue.Entry] = []
        entries.reserveCapacity(records.count)
        for (id, record) in records {
            if let next = machine.nextWake(of: record) { entries.append(.init(at: next, id: id)) }
            if let read = record.nextReadAt { reads.append(.init(at: read, id: id)) }
        }
        queue.replaceAll(with: entries)
        readQueue.replaceAll(with: reads)
    }
}
