import FoundationEssentials
import Glibc
import Logging
import ServiceLifecycle
import WatchdogCore
import WatchdogProtocol

/// Executes the `Enforcer`'s decisions: the I/O shell around the state machine.
///
/// One loop waits on the enforcer's timer (one timer, however many tasks), hands it the time, stores the changes
/// it returns through the `TaskStore`, logs its notes, and starts the stop attempts it asks for as child tasks of
/// its own discarding task group. On graceful shutdown it stops starting attempts, lets the ones in flight finish
/// and records their answers.
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
    /// Every decision about the tracked tasks; this actor only executes its effects.
    var enforcer: Enforcer
    var policyLoadedAt: Date
    let clock: any WallClock
    let caller: any MaiaCaller
    let store: any TaskStore
    let logger: Logger
    private var rng: any RandomNumberGenerator
    private let wake = WakeSignal()
    let startInstant = ContinuousClock.now

    /// Told when the loop waits and wakes; `nil` in the daemon (tests wait on one for the loop to be idle).
    private let observer: (any EnforcerLoopObserver)?
    private let heartbeats = HeartbeatGate()
    /// What STATUS= reports; updated on every change, sent coalesced by `StatusService`.
    public nonisolated let statusBoard = StatusBoard()
    /// What `/metrics` and the `metrics` verb report; counted from the notes, like the journal's lines.
    public nonisolated let metrics: DaemonMetrics
    /// The store commits of watches not yet answered, for a concurrent watch of the same ID to wait on.
    var watchCommits: [Enforcer.CommitID: StoreCommit] = [:]

    public init(
        configuration: Configuration,
        policy: Policy,
        readsTasks: Bool = true,
        clock: any WallClock,
        caller: any MaiaCaller,
        store: any TaskStore,
        random: some RandomNumberGenerator & Sendable,
        logger: Logger,
        metrics: DaemonMetrics = DaemonMetrics(),
        observer: (any EnforcerLoopObserver)? = nil
    ) {
        self.configuration = configuration
        self.enforcer = Enforcer(policy: policy, readsTasks: readsTasks)
        self.policyLoadedAt = clock.now()
        self.clock = clock
        self.caller = caller
        self.store = store
        self.rng = random
        self.logger = logger
        self.metrics = metrics
        self.observer = observer
    }

    /// Loads every stored record; call before READY (see `Enforcer.restored`).
    public func restore() async throws {
        let stored = try await store.loadAll()
        log(enforcer.restored(stored, now: clock.now()).notes)
        statusBoard.seed(counts: counts(), breakerOpen: enforcer.breaker.isOpen)
        sampleTasks()
    }

    public var policy: Policy { enforcer.policy }

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
                    let effects = self.enforcer.timerFired(now: self.clock.now())
                    let commit = self.execute(effects)
                    if let commit { group.addTask { await self.settle(commit) } }
                    for attempt in effects.attempts {
                        // The attempt is recorded before it is made (write-ahead), but the loop
                        // does not wait for that commit: the next due tasks are taken meanwhile.
                        group.addTask {
                            try? await commit?.wait()
                            await self.send(attempt)
                        }
                    }
                    for read in effects.reads {
                        group.addTask { await self.read(read) }
                    }
                    for page in effects.pages {
                        group.addTask { await self.list(page) }
                    }
                    if wake.isClosed { break }
                    await self.waitForWake()
                }
                self.logger.debug(
                    "enforcer draining",
                    metadata: [
                        "in_flight": "\(self.enforcer.inFlight.count)",
                        "reads_in_flight": "\(self.enforcer.readsInFlight.count)",
                    ])
            }
        } onGracefulShutdown: {
            wake.close()
        }
        observer?.loopEnds()
    }

    /// Logs the effects' notes and submits their changes to the store; returns the commit to wait for, if any.
    func execute(_ effects: Enforcer.Effects) -> StoreCommit? {
        // Counted first: whoever reads a journal line finds it counted.
        count(effects.notes)
        log(effects.notes)
        guard let persist = effects.persist else { return nil }
        let commit = store.submit(saving: persist.saving, removing: persist.removing)
        reportChange()
        return commit
    }

    /// Sleeps until the enforcer's timer or a signal (new work, a finished attempt, shutdown).
    private func waitForWake() async {
        let timer = enforcer.timer
        observer?.loopWaits(
            until: timer, stops: enforcer.inFlight.count, reads: enforcer.readsInFlight.count,
            pages: enforcer.discovery.isListing ? 1 : 0)
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
        observer?.loopWakes()
    }

    /// One HTTP attempt, run as a child task of the loop's group.
    private func send(_ attempt: Enforcer.Attempt) async {
        let outcome = await caller.stop(attempt.id, freshToken: attempt.freshToken)
        let commit = execute(enforcer.attemptFinished(attempt.id, outcome: outcome, now: clock.now(), using: &rng))
        // The slot is free now: the loop may start the next attempt while this answer is committed.
        signal()
        if let commit { await settle(commit) }
    }

    /// One task read, run as a child task of the loop's group. A graceful shutdown lets it finish.
    private func read(_ read: Enforcer.Read) async {
        let outcome = await caller.read(read.id, freshToken: read.freshToken)
        countRead(read, outcome)
        let commit = execute(enforcer.readFinished(read, outcome: outcome, now: clock.now(), using: &rng))
        signal()
        if let commit { await settle(commit) }
    }

    /// One page of discovery's list, run as a child task of the loop's group.
    private func list(_ page: Discovery.Page) async {
        let outcome = await caller.list(page)
        countPage(outcome)
        let error = enforcer.discovery.lastError
        let commit = execute(enforcer.pageFinished(page, outcome: outcome, now: clock.now(), using: &rng))
        if enforcer.discovery.lastError != error { reportChange() }
        signal()
        if let commit { await settle(commit) }
    }

    // MARK: reload

    /// Applies a new, valid policy (see `Enforcer.reloaded`) and waits for its changes to be stored.
    public func apply(_ policy: Policy) async {
        policyLoadedAt = clock.now()
        let commit = execute(enforcer.reloaded(policy, now: clock.now()))
        signal()
        reportChange()
        if let commit { await settle(commit) }
    }

    // MARK: helpers

    /// Wakes the loop; it is busy until it has looked at the new work.
    func signal() {
        observer?.loopWakes()
        wake.signal()
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
        statusBoard.update(
            counts: counts(), breakerOpen: enforcer.breaker.isOpen, discoveryError: enforcer.discovery.lastError)
        sampleTasks()
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
}
