import FoundationEssentials
import Glibc
import Logging
import ServiceLifecycle
import WatchdogCore
import WatchdogProtocol

/// Owns every tracked task and enforces its deadline: the I/O shell around `TaskMachine`.
///
/// One loop waits on the earliest entry of a `DeadlineQueue` (one timer, however many tasks),
/// applies the state machine to whatever is due, persists the result through the `TaskStore`, and
/// starts stop attempts as child tasks of its own discarding task group, at most
/// `max_in_flight` at a time. On graceful shutdown it stops starting attempts, lets the ones in
/// flight finish and records their answers.
public actor EnforcerService: Service {
    public struct Configuration: Sendable {
        public var policyPath: String
        public var version: String
        /// Test-only: the loop stops turning this long after start, so that tests can prove the
        /// systemd watchdog restarts a stalled daemon (`MAIA_WATCHDOGD_TEST_STALL_AFTER_MS`).
        public var testStallAfter: Duration?

        public init(policyPath: String, version: String, testStallAfter: Duration? = nil) {
            self.policyPath = policyPath
            self.version = version
            self.testStallAfter = testStallAfter
        }
    }

    let configuration: Configuration
    var machine: TaskMachine
    var policyLoadedAt: Date
    let clock: any WallClock
    let caller: any StopCaller
    let store: any TaskStore
    let logger: Logger
    private var rng: any RandomNumberGenerator
    private let wake = WakeSignal()
    let startInstant = ContinuousClock.now

    var records = TaskTable()
    var queue = DeadlineQueue()
    private var inFlight: Set<TaskID> = []
    private var waitingForSlot = false
    private let idle: IdleMonitor
    private let heartbeats = HeartbeatGate()
    /// What STATUS= reports; updated on every change, sent coalesced by `StatusService`.
    public nonisolated let statusBoard = StatusBoard()
    /// The commits of watches not yet answered, so that a concurrent watch of the same ID waits
    /// for the first one's commit.
    var uncommitted: [TaskID: StoreCommit] = [:]

    public init(
        configuration: Configuration,
        policy: Policy,
        clock: any WallClock,
        caller: any StopCaller,
        store: any TaskStore,
        random: some RandomNumberGenerator & Sendable,
        logger: Logger
    ) {
        self.configuration = configuration
        self.machine = TaskMachine(policy: policy)
        self.policyLoadedAt = clock.now()
        self.clock = clock
        self.caller = caller
        self.store = store
        self.rng = random
        self.logger = logger
        self.idle = IdleMonitor(clock: clock)
    }

    /// Loads every stored record; call before READY. Deadlines that passed while the daemon was
    /// down are due at once, and stops that were backing off resume at their next attempt.
    /// A stop attempt that was in flight when the daemon died is retried at once.
    public func restore() async throws {
        let now = clock.now()
        let stored = try await store.loadAll()
        records.reserveCapacity(stored.count)
        for var record in stored {
            if machine.resume(&record, now: now) {
                logger.warning(
                    "task \(record.id): stop attempt \(record.attempts) was in flight when the daemon stopped; retrying",
                    metadata: .event(.stopAttempt, task: record))
            }
            records[record.id] = record
        }
        rebuildQueue()
        statusBoard.seed(counts: counts())
    }

    public var policy: Policy { machine.policy }

    // MARK: the loop

    public func run() async throws {
        let wake = self.wake
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                while !wake.isClosed && !Task.isCancelled {
                    self.heartbeats.beat()
                    if let stall = self.configuration.testStallAfter, ContinuousClock.now - self.startInstant >= stall {
                        self.logger.warning("test trigger: the enforcer loop stalls now")
                        await cancelWhenGracefulShutdown { try? await Task.sleep(for: .seconds(365 * 86_400)) }
                        continue
                    }
                    let (launches, commit) = self.processDue()
                    if let commit { group.addTask { await self.settle(commit) } }
                    for launch in launches {
                        // The attempt is recorded before it is made (write-ahead), but the loop
                        // does not wait for that commit: the next due tasks are taken meanwhile.
                        group.addTask {
                            try? await commit?.wait()
                            await self.attempt(launch.id, freshToken: launch.freshToken)
                        }
                    }
                    if wake.isClosed { break }
                    await self.waitForWake()
                }
                self.logger.debug("enforcer draining", metadata: ["in_flight": "\(self.inFlight.count)"])
            }
        } onGracefulShutdown: {
            wake.close()
        }
        idle.releaseAll()
    }

    private struct Launch {
        var id: TaskID
        var freshToken: Bool
    }

    /// Applies the state machine to every due entry, queues the changes for the store, and returns
    /// the attempts to start with the commit they must wait for.
    private func processDue() -> ([Launch], StoreCommit?) {
        let now = clock.now()
        let maxInFlight = machine.policy.api.maxInFlight
        var launches: [Launch] = []
        var changed: [TaskRecord] = []
        var expired: [TaskID] = []
        waitingForSlot = false
        drain: while let entry = queue.popDue(now: now) {
            guard var record = records[entry.id], machine.nextWake(of: record) == entry.at else { continue }
            switch record.state {
            case .watching:
                guard let action = machine.deadlineReached(&record, now: now) else { continue }
                logger.notice(
                    "deadline of task \(record.id) passed (max runtime \(Self.describe(record.maxRuntime)))",
                    metadata: .event(.deadline, task: record))
                if case .finish(.dryRun) = action { logWouldStop(record) }
                records[record.id] = record
                changed.append(record)
                if let next = machine.nextWake(of: record) { queue.push(record.id, at: next) }
            case .stopping:
                guard inFlight.count + launches.count < maxInFlight else {
                    // No free slot: put it back; a finished attempt wakes the loop.
                    queue.push(record.id, at: entry.at)
                    waitingForSlot = true
                    break drain
                }
                machine.attemptStarted(&record, now: now)
                records[record.id] = record
                changed.append(record)
                launches.append(Launch(id: record.id, freshToken: record.lastHTTPStatus == 401))
            default:
                records[record.id] = nil
                expired.append(record.id)
                logger.info("task \(record.id) dropped after retention", metadata: .event(.expired, task: record))
            }
        }
        for launch in launches {
            inFlight.insert(launch.id)
            guard let record = records[launch.id] else { continue }
            var metadata = Logger.Metadata.event(.stopAttempt, task: record)
            metadata["attempt"] = "\(record.attempts)"
            logger.info("stop attempt \(record.attempts) for task \(record.id)", metadata: metadata)
        }
        guard !changed.isEmpty || !expired.isEmpty else { return (launches, nil) }
        let commit = store.submit(saving: changed, removing: expired)
        reportChange()
        return (launches, commit)
    }

    /// Sleeps until the earliest wake-up or a signal (new work, a finished attempt, shutdown).
    private func waitForWake() async {
        let timer = waitingForSlot ? nil : queue.earliest
        if inFlight.isEmpty { idle.markIdle(until: timer) }
        let clock = self.clock
        let wake = self.wake
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await wake.wait() }
            if let timer {
                group.addTask { try? await clock.sleep(until: timer) }
            }
            await group.next()
            group.cancelAll()
        }
        idle.markBusy()
    }

    /// One HTTP attempt, run as a child task of the loop's group.
    private func attempt(_ id: TaskID, freshToken: Bool) async {
        let outcome = await caller.stop(id, freshToken: freshToken)
        await attemptFinished(id, outcome: outcome)
    }

    private func attemptFinished(_ id: TaskID, outcome: StopOutcome) async {
        inFlight.remove(id)
        guard var record = records[id], record.state == .stopping else {
            signal()
            logger.info(
                "answer for task \(id) arrived after it was forgotten: \(outcome)",
                metadata: ["event": .string(WatchdogEvent.stopResult.rawValue), "task.id": .string(id.rawValue)])
            return
        }
        let now = clock.now()
        let action = machine.attemptFinished(&record, outcome: outcome, now: now, using: &rng)
        records[id] = record
        if let next = machine.nextWake(of: record) { queue.push(id, at: next) }
        logResult(record, outcome: outcome, action: action)
        statusBoard.recordStop(at: now, result: Self.statusResult(outcome))
        let commit = store.submit(saving: [record], removing: [])
        reportChange()
        // The slot is free now: the loop may start the next attempt while this answer is committed.
        signal()
        await settle(commit)
    }

    // MARK: reload

    /// Applies a new, valid policy: new watches use it, `watching` deadlines are recomputed, and
    /// tasks the new allowlist no longer admits stop being enforced (dropped, and logged).
    public func apply(_ policy: Policy) async {
        machine.policy = policy
        policyLoadedAt = clock.now()
        var changed: [TaskRecord] = []
        var dropped: [TaskID] = []
        for (id, record) in records where !record.state.isTerminal {
            guard policy.allow.admits(id) else {
                records[id] = nil
                dropped.append(id)
                logger.warning(
                    "task \(id) is no longer allowed by the policy; it is no longer enforced",
                    metadata: .event(.forget, task: record))
                continue
            }
            var updated = record
            machine.applyLimit(to: &updated)
            if updated != record {
                records[id] = updated
                changed.append(updated)
            }
        }
        rebuildQueue()
        await persist(changed, removing: dropped)
        signal()
        reportChange()
    }

    // MARK: helpers

    /// Wakes the loop; it is busy until it has looked at the new work.
    func signal() {
        idle.markBusy()
        wake.signal()
    }

    private func rebuildQueue() {
        var entries: [DeadlineQueue.Entry] = []
        entries.reserveCapacity(records.count)
        for record in records.values {
            if let next = machine.nextWake(of: record) { entries.append(.init(at: next, id: record.id)) }
        }
        queue.replaceAll(with: entries)
    }

    /// Queues the changes, waits for their commit, and returns whether the store took them.
    @discardableResult
    func persist(_ changed: [TaskRecord], removing removed: [TaskID]) async -> Bool {
        guard !changed.isEmpty || !removed.isEmpty else { return true }
        return await settle(store.submit(saving: changed, removing: removed))
    }

    /// Waits for a commit; logs and returns `false` if the store could not take it.
    @discardableResult
    nonisolated func settle(_ commit: StoreCommit) async -> Bool {
        do {
            try await commit.wait()
            return true
        } catch {
            logger.error("could not store task records: \(error)")
            return false
        }
    }

    func reportChange() {
        statusBoard.update(counts: counts())
    }

    static func statusResult(_ outcome: StopOutcome) -> String {
        switch outcome {
        case .answered(let status, _, _): return String(status)
        case .failed: return "no answer"
        }
    }

    /// Returns at the loop's next turn (see `HeartbeatGate`); for the watchdog.
    public nonisolated func heartbeat() async {
        let wake = self.wake
        await heartbeats.request { wake.signal() }
    }

    static func describe(_ duration: Duration?) -> String {
        duration.map { TimeSpan.finite($0).description } ?? "infinity"
    }

    // MARK: test support

    /// Returns once the loop is waiting with nothing due and no attempt in flight, or when the
    /// calling task is cancelled: what tests wait on (with a bound) instead of sleeping.
    public nonisolated func waitUntilIdle() async {
        await idle.wait()
    }

    public func record(_ id: TaskID) -> TaskRecord? { records[id] }
}
