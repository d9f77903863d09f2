import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

/// Task reads, exactly: the watch-time read that may move the runtime origin, and the reads that confirm a stop
/// after its 204 (`../shared/interface.md`, "Runtime origin" and "Confirmed stops"). Every instant is chosen; no
/// clock, no HTTP.
@Suite("Enforcer: task reads")
struct EnforcerReadTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let client = Requester(uid: 1000, pid: 42)
    let accepted = StopOutcome.answered(status: 204, retryNotBefore: nil, detail: nil)
    let id = TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    func enforcer(
        origin: Policy.RuntimeOrigin = .watch, confirm: Policy.ConfirmConfiguration = .init(), maxInFlight: Int = 16,
        readsTasks: Bool = true
    ) -> Enforcer {
        Enforcer(
            policy: Policy(
                maxRuntime: .finite(.seconds(60)), allow: .everyTask, retention: .seconds(3600),
                api: .init(maxInFlight: maxInFlight), runtimeOrigin: origin, confirm: confirm),
            readsTasks: readsTasks)
    }

    func watch(_ id: TaskID, startedAt: Date? = nil, on enforcer: inout Enforcer, now: Date? = nil) {
        let (answer, effects) = enforcer.request(
            .watch(id, maxRuntime: nil, startedAt: startedAt), from: client, now: now ?? t0)
        guard case .watched(let record, let commit) = answer else {
            Issue.record("watch answered \(answer)")
            return
        }
        #expect(effects.reads.isEmpty, "a watch is answered first; its read starts from the timer")
        enforcer.watchCommitted(record, commit: commit, stored: true)
    }

    /// Watches at t0 (limit 60 s, runtime from the watch), stops at the deadline and answers 204 at `acceptedAt`.
    func stopAccepted(_ enforcer: inout Enforcer, acceptedAt: Double = 60) {
        watch(id, on: &enforcer)
        #expect(enforcer.timerFired(now: at(60)).attempts.map(\.id) == [id])
        var rng = SplitMix64(seed: 1)
        _ = enforcer.attemptFinished(id, outcome: accepted, now: at(acceptedAt), using: &rng)
    }

    /// Fires the timer at `seconds`, expects exactly one read of `id` for `purpose`, and answers it with `outcome`.
    @discardableResult
    func read(
        _ enforcer: inout Enforcer, at seconds: Double, purpose: ReadPurpose = .confirm, _ outcome: ReadOutcome,
        freshToken: Bool = false
    ) -> Enforcer.Effects {
        #expect(enforcer.timer == at(seconds), "the read is due at \(seconds)")
        let fired = enforcer.timerFired(now: at(seconds))
        let expected = Enforcer.Read(id: id, purpose: purpose, freshToken: freshToken)
        #expect(fired.reads == [expected])
        var rng = SplitMix64(seed: 7)
        return enforcer.readFinished(expected, outcome: outcome, now: at(seconds), using: &rng)
    }

    static func status(_ text: String, createdAt: Date? = nil) -> ReadOutcome {
        .task(status: text, createdAt: createdAt)
    }

    // MARK: confirmation

    @Test func afterA204ReadsComeAtFirstCheckThenDoublingUpToMaxIntervalUntilStopped() {
        var enforcer = enforcer()
        stopAccepted(&enforcer)
        let record = enforcer.records[id]
        #expect(record?.state == .stopRequested)
        #expect(record?.readPurpose == .confirm)
        #expect(record?.unconfirmedAt == at(60 + 1800))
        // 10 s, then 20, 40, and 60 (max_interval) from then on.
        for (now, status) in [(70.0, "STOPPING"), (90, "STOPPING"), (130, "RUNNING"), (190, "STOPPING")] {
            read(&enforcer, at: now, Self.status(status))
            #expect(enforcer.records[id]?.state == .stopRequested)
            #expect(enforcer.records[id]?.maiaStatus == status)
        }
        let effects = read(&enforcer, at: 250, Self.status("STOPPED"))
        let stopped = enforcer.records[id]
        #expect(stopped?.state == .stopped)
        #expect(stopped?.confirmedAt == at(250))
        #expect(stopped?.readPurpose == nil)
        #expect(effects.persist?.saving == [stopped!])
        #expect(
            effects.notes == [
                .statusRead(stopped!, .init(id: id, purpose: .confirm), Self.status("STOPPED"), step: .finish(.stopped))
            ])
        // Now an ended record: kept for retention, then dropped.
        #expect(enforcer.timer == at(250 + 3600))
    }

    @Test func erroredAlsoConfirmsTheStop() {
        var enforcer = enforcer()
        stopAccepted(&enforcer)
        read(&enforcer, at: 70, Self.status("ERRORED"))
        #expect(enforcer.records[id]?.state == .stopped)
    }

    @Test func stillRunningAtRestopAfterSinceTheLast204IsStoppedAgainAndTheReadsStartAfresh() {
        var enforcer = enforcer(confirm: .init(restopAfter: .seconds(300)))
        stopAccepted(&enforcer)
        // Reads at 70, 90, 130, 190, 250, 310 find it RUNNING before restop_after (204 at 60 + 300 = 360).
        for now in [70.0, 90, 130, 190, 250, 310] {
            read(&enforcer, at: now, Self.status("RUNNING"))
            #expect(enforcer.records[id]?.state == .stopRequested)
        }
        let restop = read(&enforcer, at: 370, Self.status("RUNNING"))
        guard case .statusRead(let record, _, _, let step) = restop.notes.first else {
            Issue.record("expected a status read, got \(restop.notes)")
            return
        }
        #expect(step == .restop)
        #expect(record.state == .stopping)
        #expect(enforcer.timer == at(370))
        let attempt = enforcer.timerFired(now: at(370))
        #expect(attempt.attempts == [.init(id: id, number: 2, freshToken: false)])
        var rng = SplitMix64(seed: 1)
        _ = enforcer.attemptFinished(id, outcome: accepted, now: at(371), using: &rng)
        let again = enforcer.records[id]
        #expect(again?.state == .stopRequested)
        #expect(again?.lastAcceptedAt == at(371))
        #expect(again?.unconfirmedAt == at(60 + 1800), "give_up_after counts from the first 204")
        #expect(enforcer.timer == at(381), "the reads start again at first_check")
    }

    @Test func notStoppedByGiveUpAfterSinceTheFirst204IsStopUnconfirmed() {
        var enforcer = enforcer(confirm: .init(giveUpAfter: .seconds(600)))
        stopAccepted(&enforcer)
        var now = 70.0
        var interval = 10.0
        while now < 660 {
            read(&enforcer, at: now, Self.status("STOPPING"))
            interval = min(interval * 2, 60)
            now += interval
        }
        // The next read would be at 670; the confirmation ends at 660, exactly.
        #expect(enforcer.timer == at(660))
        #expect(enforcer.timerFired(now: at(659.999)).persist == nil)
        let effects = enforcer.timerFired(now: at(660))
        let record = enforcer.records[id]
        #expect(record?.state == .stopUnconfirmed)
        #expect(effects.notes == [.unconfirmed(record!)])
        #expect(effects.reads.isEmpty)
        #expect(enforcer.timer == at(660 + 3600))
    }

    @Test func giveUpAfterAlsoEndsARestopThatIsStillBackingOff() {
        var enforcer = enforcer(confirm: .init(restopAfter: .seconds(10), giveUpAfter: .seconds(120)))
        stopAccepted(&enforcer)
        read(&enforcer, at: 70, Self.status("RUNNING"))
        #expect(enforcer.records[id]?.state == .stopping)
        var rng = SplitMix64(seed: 3)
        var now = 70.0
        while true {
            let fired = enforcer.timerFired(now: at(now))
            guard fired.attempts.count == 1 else { break }
            _ = enforcer.attemptFinished(
                id, outcome: .answered(status: 502, retryNotBefore: nil, detail: nil), now: at(now), using: &rng)
            guard let next = enforcer.timer else { break }
            now = next.timeIntervalSince(t0)
        }
        #expect(now == 180, "the re-stop's last wake is the end of the confirmation")
        #expect(enforcer.records[id]?.state == .stopUnconfirmed)
    }

    @Test func aCrashBetweenThe204AndTheConfirmationResumesReadingAtOnce() {
        var before = enforcer()
        stopAccepted(&before)
        _ = before.timerFired(now: at(70))  // the first read is in flight when the daemon dies
        let stored = before.records[id]!
        #expect(stored.nextReadAt == nil && stored.readPurpose == .confirm)

        var after = enforcer()
        _ = after.restored([stored], now: at(500))
        #expect(after.timer == at(500))
        let fired = after.timerFired(now: at(500))
        #expect(fired.reads == [.init(id: id, purpose: .confirm)])
    }

    @Test func withConfirmOffOrNothingToReadWithAStopRequestedIsFinal() {
        for var enforcer in [enforcer(confirm: .init(enabled: false)), enforcer(readsTasks: false)] {
            stopAccepted(&enforcer)
            let record = enforcer.records[id]
            #expect(record?.state == .stopRequested)
            #expect(record?.readPurpose == nil && record?.nextReadAt == nil && record?.unconfirmedAt == nil)
            #expect(enforcer.timer == at(60 + 3600))
        }
    }

    @Test func a401OnAReadReadsOnceMoreAtOnceWithAFreshTokenThenBacksOff() throws {
        var enforcer = enforcer()
        stopAccepted(&enforcer)
        let unauthorized = ReadOutcome.answered(status: 401, retryNotBefore: nil, detail: nil)
        read(&enforcer, at: 70, unauthorized)
        read(&enforcer, at: 70, unauthorized, freshToken: true)
        let record = enforcer.records[id]
        #expect(record?.state == .stopRequested, "a read never makes a task rejected")
        #expect(record?.readFailures == 1)
        let next = try #require(enforcer.timer)
        #expect(next > at(70) && next <= at(71), "the first backoff is at most initial_backoff (1 s)")
        #expect(enforcer.timerFired(now: next).reads == [.init(id: id, purpose: .confirm, freshToken: false)])
    }

    @Test func aFailedReadHonoursRetryAfterAndNeverEndsTheTask() {
        var enforcer = enforcer()
        stopAccepted(&enforcer)
        read(&enforcer, at: 70, .answered(status: 503, retryNotBefore: at(100), detail: nil))
        #expect(enforcer.records[id]?.state == .stopRequested)
        read(&enforcer, at: 100, .failed(reason: "timed out"))
        #expect(enforcer.records[id]?.readFailures == 2)
        read(&enforcer, at: enforcer.timer!.timeIntervalSince(t0), Self.status("STOPPED"))
        #expect(enforcer.records[id]?.state == .stopped)
        #expect(enforcer.records[id]?.readFailures == 0)
    }

    @Test func a404AfterTheStopIsNotFound() {
        var enforcer = enforcer()
        stopAccepted(&enforcer)
        read(&enforcer, at: 70, .answered(status: 404, retryNotBefore: nil, detail: nil))
        #expect(enforcer.records[id]?.state == .notFound)
    }

    // MARK: runtime origin

    @Test func theOriginMovesToCreatedAtWhenEarlierAndNeverLater() {
        var enforcer = enforcer(origin: .createdAt)
        watch(id, on: &enforcer)
        #expect(enforcer.records[id]?.deadline == at(60), "answered with the deadline from receipt")
        read(&enforcer, at: 0, purpose: .origin, Self.status("RUNNING", createdAt: at(-25)))
        #expect(enforcer.records[id]?.startedAt == at(-25))
        #expect(enforcer.records[id]?.deadline == at(35))
        #expect(enforcer.records[id]?.readPurpose == nil)
        #expect(enforcer.timer == at(35))

        let later = TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a12")!
        var other = self.enforcer(origin: .createdAt)
        watch(later, on: &other)
        _ = other.timerFired(now: t0)
        var rng = SplitMix64(seed: 1)
        _ = other.readFinished(
            .init(id: later, purpose: .origin), outcome: Self.status("RUNNING", createdAt: at(5)), now: t0, using: &rng)
        #expect(other.records[later]?.startedAt == t0)
        #expect(other.records[later]?.deadline == at(60))
    }

    @Test func anOriginThatPutsTheDeadlineInThePastStopsAtOnce() {
        var enforcer = enforcer(origin: .createdAt)
        watch(id, on: &enforcer)
        read(&enforcer, at: 0, purpose: .origin, Self.status("RUNNING", createdAt: at(-3600)))
        #expect(enforcer.records[id]?.deadline == at(-3540))
        #expect(enforcer.timer == at(-3540))
        let fired = enforcer.timerFired(now: at(0))
        #expect(fired.attempts == [.init(id: id, number: 1, freshToken: false)])
    }

    @Test func aTaskMaiaDoesNotKnowOrThatHasEndedEndsWithoutAStopCall() {
        for (outcome, state) in [
            (ReadOutcome.answered(status: 404, retryNotBefore: nil, detail: nil), TaskState.notFound),
            (Self.status("STOPPED", createdAt: at(-10)), .notRunning),
            (Self.status("ERRORED"), .notRunning),
        ] {
            var enforcer = enforcer(origin: .createdAt)
            watch(id, on: &enforcer)
            read(&enforcer, at: 0, purpose: .origin, outcome)
            #expect(enforcer.records[id]?.state == state)
            #expect(enforcer.records[id]?.attempts == 0)
            #expect(enforcer.timer == at(3600), "nothing more than the retention")
            #expect(enforcer.timerFired(now: at(60)).attempts.isEmpty)
        }
    }

    @Test func whileOriginReadsFailTheDeadlineFromReceiptStands() {
        var enforcer = enforcer(origin: .createdAt)
        watch(id, on: &enforcer)
        var now = 0.0
        var rng = SplitMix64(seed: 5)
        while let next = enforcer.timer, next < at(60) {
            now = next.timeIntervalSince(t0)
            let fired = enforcer.timerFired(now: next)
            #expect(fired.reads.map(\.purpose) == [.origin])
            _ = enforcer.readFinished(
                .init(id: id, purpose: .origin), outcome: .failed(reason: "connection refused"), now: next, using: &rng)
        }
        #expect(now > 0)
        let stop = enforcer.timerFired(now: at(60))
        #expect(stop.attempts.map(\.id) == [id])
        #expect(enforcer.records[id]?.readPurpose == nil, "the stop goes out; the origin read no longer matters")
    }

    @Test func startedAtFromTheClientWinsAndWatchOriginReadsNothing() {
        var byClient = enforcer(origin: .createdAt)
        watch(id, startedAt: at(-10), on: &byClient)
        #expect(byClient.records[id]?.readPurpose == nil)
        #expect(byClient.timer == at(50))
        var byWatch = enforcer(origin: .watch)
        watch(id, on: &byWatch)
        #expect(byWatch.records[id]?.readPurpose == nil)
        #expect(byWatch.timer == at(60))
    }

    // MARK: reads never hold up stops

    @Test func readsWaitingForASlotNeverDelayADueStop() {
        var enforcer = enforcer(origin: .createdAt, maxInFlight: 1)
        let ids = (1...3).map { TaskID(String(format: "00000000-0000-4000-8000-%012x", $0))! }
        for id in ids { watch(id, on: &enforcer) }
        let first = enforcer.timerFired(now: t0)
        #expect(first.reads.map(\.id) == [ids[0]], "one read in flight at most")
        // The other reads wait for the read slot; the deadlines still arm the timer.
        #expect(enforcer.timer == at(60))
        let due = enforcer.timerFired(now: at(60))
        #expect(due.attempts.map(\.id) == [ids[0]])
        #expect(due.reads.isEmpty)
    }
}

/// `[safety] warn_before`: one `deadline_warning` per deadline, through the same deadline queue.
@Suite("Enforcer: deadline warnings")
struct EnforcerWarningTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let client = Requester(uid: 1000, pid: 42)
    let id = TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!

    func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

    func policy(warnBefore: Duration = .seconds(15), maxRuntime: TimeSpan = .finite(.seconds(60))) -> Policy {
        Policy(
            maxRuntime: maxRuntime, allow: .everyTask, runtimeOrigin: .watch, confirm: .init(enabled: false),
            safety: .init(warnBefore: warnBefore))
    }

    func watched(_ policy: Policy, startedAt: Date? = nil) -> Enforcer {
        var enforcer = Enforcer(policy: policy)
        let (answer, _) = enforcer.request(
            .watch(id, maxRuntime: nil, startedAt: startedAt), from: client, now: t0)
        if case .watched(let record, let commit) = answer {
            enforcer.watchCommitted(record, commit: commit, stored: true)
        } else {
            Issue.record("watch answered \(answer)")
        }
        return enforcer
    }

    static func warnings(_ effects: Enforcer.Effects) -> [TaskRecord] {
        effects.notes.compactMap { if case .deadlineWarning(let record) = $0 { record } else { nil } }
    }

    @Test func theWarningComesWarnBeforeAheadOfTheDeadlineOnceThenTheStop() {
        var enforcer = watched(policy())
        #expect(enforcer.timer == at(45))
        #expect(Self.warnings(enforcer.timerFired(now: at(44.999))).isEmpty)
        let warned = enforcer.timerFired(now: at(45))
        #expect(Self.warnings(warned).map(\.warnedAt) == [at(45)])
        #expect(warned.persist?.saving.first?.warnedAt == at(45))
        #expect(warned.attempts.isEmpty)
        #expect(enforcer.timer == at(60))
        let due = enforcer.timerFired(now: at(60))
        #expect(Self.warnings(due).isEmpty)
        #expect(due.attempts.map(\.id) == [id])
    }

    @Test func aTaskWatchedInsideTheWindowIsWarnedAtOnceAndAPassedDeadlineIsNotWarned() {
        var inside = watched(policy(), startedAt: at(-50))
        #expect(inside.timer == at(-5))
        #expect(Self.warnings(inside.timerFired(now: t0)).map(\.warnedAt) == [t0])
        #expect(inside.timer == at(10))

        var past = watched(policy(), startedAt: at(-120))
        let effects = past.timerFired(now: t0)
        #expect(Self.warnings(effects).isEmpty)
        #expect(effects.attempts.map(\.id) == [id])
    }

    @Test func exemptTasksAndWarnBeforeZeroAreNeverWarned() {
        var exempt = watched(policy(maxRuntime: .infinity))
        #expect(exempt.timer == nil)
        #expect(exempt.timerFired(now: at(86_400)).notes.isEmpty)
        var off = watched(policy(warnBefore: .zero))
        #expect(off.timer == at(60))
        #expect(Self.warnings(off.timerFired(now: at(60))).isEmpty)
    }

    @Test func aDeadlineMovedLaterByAReloadWarnsAgainAndOneMovedEarlierDoesNot() {
        var enforcer = watched(policy())
        _ = enforcer.timerFired(now: at(45))
        _ = enforcer.reloaded(policy(maxRuntime: .finite(.seconds(120))), now: at(50))
        #expect(enforcer.records[id]?.warnedAt == nil)
        #expect(enforcer.timer == at(105))
        #expect(Self.warnings(enforcer.timerFired(now: at(105))).count == 1)
        _ = enforcer.reloaded(policy(maxRuntime: .finite(.seconds(110))), now: at(106))
        #expect(enforcer.records[id]?.warnedAt == at(105), "an earlier deadline keeps the warning it had")
        #expect(enforcer.timer == at(110))
    }

    // MARK: extensions

    func extending(_ maxExtension: Duration = .seconds(600), uids: [UInt32] = [1000]) -> Enforcer {
        var policy = policy()
        policy.safety.maxExtension = maxExtension
        policy.socket.extendUIDs = uids
        return watched(policy)
    }

    func extend(_ enforcer: inout Enforcer, by seconds: Int64, uid: UInt32 = 1000, now: Double = 10)
        -> Enforcer.Answer
    {
        enforcer.request(.extend(id, by: .seconds(seconds)), from: Requester(uid: uid, pid: 7), now: at(now)).0
    }

    static func refusal(_ answer: Enforcer.Answer) -> ControlError.Code? {
        if case .now(.failure(let error)) = answer { return error.code }
        return nil
    }

    @Test func anExtensionMovesTheDeadlineAndTheWarningUpToTheCapInAll() {
        var enforcer = extending()
        let answer = extend(&enforcer, by: 300)
        guard case .afterCommit(.task(let record)) = answer else {
            Issue.record("extend answered \(answer)")
            return
        }
        #expect(record.deadline == at(360))
        #expect(record.extended == .seconds(300))
        #expect(record.maxRuntime == .seconds(360), "the limit in force")
        #expect(enforcer.timer == at(345), "the warning moves with the deadline")
        #expect(Self.refusal(extend(&enforcer, by: 301)) == .notAllowed, "600 s in all at most")
        #expect(enforcer.records[id]?.deadline == at(360), "a refused extension changes nothing")
        _ = extend(&enforcer, by: 300)
        #expect(enforcer.records[id]?.deadline == at(660))
        #expect(Self.refusal(extend(&enforcer, by: 1)) == .notAllowed)
        // A reload keeps what was granted.
        _ = enforcer.reloaded(policy(maxRuntime: .finite(.seconds(120))), now: at(20))
        #expect(enforcer.records[id]?.deadline == at(720))
    }

    @Test func onlyRootAndExtendUIDsMayExtendAndOnlyAWatchingTrackedTaskWithALimit() {
        var enforcer = extending(uids: [1000])
        #expect(Self.refusal(extend(&enforcer, by: 60, uid: 1001)) == .permissionDenied)
        guard case .afterCommit = extend(&enforcer, by: 60, uid: 0) else {
            Issue.record("root may extend")
            return
        }
        var none = extending(.zero)
        #expect(Self.refusal(extend(&none, by: 1)) == .notAllowed, "max_extension 0: no extensions")
        var untracked = Enforcer(policy: policy())
        #expect(Self.refusal(extend(&untracked, by: 60, uid: 0)) == .unknownTask)
        var exempt = watched(
            Policy(
                maxRuntime: .infinity, allow: .everyTask, runtimeOrigin: .watch, confirm: .init(enabled: false),
                safety: .init(maxExtension: .seconds(600))))
        #expect(Self.refusal(extend(&exempt, by: 60, uid: 0)) == .notAllowed)
        var stopping = extending()
        _ = stopping.timerFired(now: at(45))
        _ = stopping.timerFired(now: at(60))
        #expect(Self.refusal(extend(&stopping, by: 60, now: 61)) == .notAllowed)
    }
}

@Suite("Enforcer: a read in flight across forget and watch")
struct EnforcerReadAcrossForgetTests {
    @Test func aTaskWatchedAgainWhileItsOldReadIsInFlightStillGetsItsOwnRead() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let client = Requester(uid: 1000, pid: 42)
        let id = TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!
        var enforcer = Enforcer(policy: Policy(maxRuntime: .finite(.seconds(600)), allow: .everyTask))
        func watch(at now: Date) {
            let (answer, _) = enforcer.request(.watch(id, maxRuntime: nil, startedAt: nil), from: client, now: now)
            if case .watched(let record, let commit) = answer {
                enforcer.watchCommitted(record, commit: commit, stored: true)
            }
        }
        watch(at: t0)
        #expect(enforcer.timerFired(now: t0).reads.count == 1)
        _ = enforcer.request(.forget(id), from: client, now: t0.addingTimeInterval(1))
        watch(at: t0.addingTimeInterval(2))
        // The new watch's read is due, but the old one is still out: one read per task at a time.
        #expect(enforcer.timerFired(now: t0.addingTimeInterval(2)).reads.isEmpty)
        var rng = SplitMix64(seed: 1)
        let late = enforcer.readFinished(
            .init(id: id, purpose: .origin), outcome: .task(status: "RUNNING", createdAt: t0.addingTimeInterval(-60)),
            now: t0.addingTimeInterval(3), using: &rng)
        #expect(late.notes.count == 1)
        #expect(enforcer.records[id]?.startedAt == t0.addingTimeInterval(2), "the old answer changes nothing")
        #expect(enforcer.timerFired(now: t0.addingTimeInterval(3)).reads == [.init(id: id, purpose: .origin)])
    }
}
