import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

/// The fleet's decisions, exactly, without sockets, HTTP, actors or a clock: each test feeds the enforcer events
/// at chosen instants and checks the effects it returns.
@Suite("Enforcer")
struct EnforcerTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let client = Requester(uid: 1000, pid: 42)
    let accepted = StopOutcome.answered(status: 204, retryNotBefore: nil, detail: nil)

    static func task(_ n: Int) -> TaskID {
        TaskID(String(format: "00000000-0000-4000-8000-%012x", n))!
    }

    func enforcer(
        maxRuntime: Duration = .seconds(60), maxInFlight: Int = 16, retention: Duration = .seconds(3600),
        allow: Policy.Allowlist = .everyTask
    ) -> Enforcer {
        // Runtime from the watch, no confirmation reads: these tests are about stops (EnforcerReadTests has the reads).
        Enforcer(
            policy: Policy(
                maxRuntime: .finite(maxRuntime), allow: allow, retention: retention,
                api: .init(maxInFlight: maxInFlight), runtimeOrigin: .watch, confirm: .init(enabled: false)))
    }

    /// Watches `ids` at `t0` and reports their commits as stored.
    func watch(_ ids: [TaskID], on enforcer: inout Enforcer) throws {
        for id in ids {
            let (answer, effects) = enforcer.request(.watch(id, maxRuntime: nil, startedAt: nil), from: client, now: t0)
            guard case .watched(let record, let commit) = answer else {
                Issue.record("watch of \(id) answered \(answer)")
                return
            }
            #expect(effects.persist == .init(commit: commit, saving: [record], removing: []))
            enforcer.watchCommitted(record, commit: commit, stored: true)
        }
    }

    @Test func maxInFlightStartsExactlyThatManyAndTheNextWhenOneFinishes() throws {
        var enforcer = enforcer(maxInFlight: 2)
        let ids = (1...5).map(Self.task)
        try watch(ids, on: &enforcer)
        #expect(enforcer.timer == t0.addingTimeInterval(60))

        let due = t0.addingTimeInterval(60)
        let first = enforcer.timerFired(now: due)
        #expect(first.attempts.map(\.id) == [ids[0], ids[1]])
        #expect(first.attempts.allSatisfy { $0.number == 1 && !$0.freshToken })
        #expect(enforcer.inFlight == [ids[0], ids[1]])
        // The third is stopping and waits for a slot: no timer until an attempt finishes.
        #expect(enforcer.records[ids[2]]?.state == .stopping)
        #expect(enforcer.timer == nil)
        #expect(enforcer.timerFired(now: due.addingTimeInterval(1)).attempts.isEmpty)

        var rng = SplitMix64(seed: 1)
        let finished = enforcer.attemptFinished(ids[0], outcome: accepted, now: due, using: &rng)
        #expect(finished.attempts.isEmpty)
        #expect(finished.persist?.saving.map(\.state) == [.stopRequested])
        #expect(enforcer.timer == due)
        let next = enforcer.timerFired(now: due.addingTimeInterval(1))
        #expect(next.attempts.map(\.id) == [ids[2]])
        #expect(enforcer.inFlight == [ids[1], ids[2]])
        #expect(enforcer.timer == nil)
    }

    @Test func aPassedDeadlineIsStoredOnceWithItsFirstAttempt() throws {
        var enforcer = enforcer()
        let id = Self.task(1)
        try watch([id], on: &enforcer)
        #expect(enforcer.timerFired(now: t0.addingTimeInterval(59.999)) == Enforcer.Effects())
        let effects = enforcer.timerFired(now: t0.addingTimeInterval(60))
        let saved = try #require(effects.persist?.saving)
        #expect(saved.count == 1)
        #expect(saved.first?.state == .stopping)
        #expect(saved.first?.attempts == 1)
        #expect(saved.first?.firstAttemptAt == t0.addingTimeInterval(60))
        #expect(effects.attempts == [.init(id: id, number: 1, freshToken: false)])
        guard case .deadlinePassed(let passed) = effects.notes.first,
            case .attemptStarted(let started) = effects.notes.last
        else {
            Issue.record("expected the deadline and the attempt, got \(effects.notes)")
            return
        }
        #expect(effects.notes.count == 2)
        #expect(passed.state == .stopping && passed.attempts == 0)
        #expect(started == saved.first)
    }

    @Test func afterA401TheRetryIsAtOnceWithAFreshToken() throws {
        var enforcer = enforcer()
        let id = Self.task(1)
        try watch([id], on: &enforcer)
        let due = t0.addingTimeInterval(60)
        _ = enforcer.timerFired(now: due)
        var rng = SplitMix64(seed: 1)
        let unauthorized = StopOutcome.answered(status: 401, retryNotBefore: nil, detail: nil)
        _ = enforcer.attemptFinished(id, outcome: unauthorized, now: due.addingTimeInterval(1), using: &rng)
        #expect(enforcer.timer == due.addingTimeInterval(1))
        let retry = enforcer.timerFired(now: due.addingTimeInterval(1))
        #expect(retry.attempts == [.init(id: id, number: 2, freshToken: true)])
    }

    @Test func retentionDropsATerminalRecordExactlyOnTime() throws {
        var enforcer = enforcer(retention: .seconds(3600))
        let id = Self.task(1)
        try watch([id], on: &enforcer)
        let due = t0.addingTimeInterval(60)
        _ = enforcer.timerFired(now: due)
        var rng = SplitMix64(seed: 1)
        _ = enforcer.attemptFinished(id, outcome: accepted, now: due.addingTimeInterval(2), using: &rng)
        let expiry = due.addingTimeInterval(2 + 3600)
        #expect(enforcer.timer == expiry)
        #expect(enforcer.timerFired(now: expiry.addingTimeInterval(-0.001)).persist == nil)
        let effects = enforcer.timerFired(now: expiry)
        #expect(effects.persist?.removing == [id])
        #expect(effects.persist?.saving == [])
        guard case .expired(let record) = effects.notes.first else {
            Issue.record("expected an expiry, got \(effects.notes)")
            return
        }
        #expect(record.state == .stopRequested)
        #expect(enforcer.records.count == 0)
        #expect(enforcer.timer == nil)
    }

    @Test func reloadMovesWatchingDeadlinesDropsWhatItNoLongerAllowsAndLeavesEndedTasks() throws {
        var enforcer = enforcer(maxRuntime: .seconds(600))
        let (kept, dropped, ended) = (Self.task(1), Self.task(2), Self.task(3))
        try watch([kept, dropped, ended], on: &enforcer)
        _ = enforcer.request(.stop(ended), from: client, now: t0)
        _ = enforcer.timerFired(now: t0)
        var rng = SplitMix64(seed: 1)
        _ = enforcer.attemptFinished(ended, outcome: accepted, now: t0, using: &rng)
        let endedRecord = enforcer.records[ended]

        let effects = enforcer.reloaded(
            Policy(
                maxRuntime: .finite(.seconds(30)), allow: .only([kept, ended]), runtimeOrigin: .watch,
                confirm: .init(enabled: false)),
            now: t0.addingTimeInterval(5))
        #expect(effects.persist?.saving.map(\.id) == [kept])
        #expect(effects.persist?.saving.first?.deadline == t0.addingTimeInterval(30))
        #expect(effects.persist?.removing == [dropped])
        let droppedNotes = effects.notes.compactMap { note -> TaskID? in
            if case .noLongerAllowed(let record) = note { record.id } else { nil }
        }
        #expect(droppedNotes == [dropped])
        #expect(enforcer.records[ended] == endedRecord)
        #expect(enforcer.records[dropped] == nil)
        #expect(enforcer.timer == t0.addingTimeInterval(30))
    }

    @Test func atStartAnAttemptInFlightIsRetriedAndAPassedDeadlineIsDue() throws {
        var enforcer = enforcer()
        let (inFlight, overdue) = (Self.task(1), Self.task(2))
        let stopping = TaskRecord(
            id: inFlight, state: .stopping, watchedAt: t0, startedAt: t0, deadline: t0.addingTimeInterval(60),
            maxRuntime: .seconds(60), attempts: 1, updatedAt: t0.addingTimeInterval(60), requestedBy: client,
            firstAttemptAt: t0.addingTimeInterval(60), nextAttemptAt: nil)
        let watching = TaskRecord(
            id: overdue, state: .watching, watchedAt: t0, startedAt: t0, deadline: t0.addingTimeInterval(90),
            maxRuntime: .seconds(60), updatedAt: t0, requestedBy: client)
        let now = t0.addingTimeInterval(3600)
        let restored = enforcer.restored([stopping, watching], now: now)
        #expect(restored.persist == nil)
        #expect(restored.notes.count == 1)
        #expect(enforcer.timer == t0.addingTimeInterval(90))
        let effects = enforcer.timerFired(now: now)
        #expect(
            Set(effects.attempts) == [
                .init(id: inFlight, number: 2, freshToken: false), .init(id: overdue, number: 1, freshToken: false),
            ])
    }

    @Test func aConcurrentWatchOfOneIDWaitsForTheFirstCommit() throws {
        var enforcer = enforcer()
        let id = Self.task(1)
        let watch = ControlRequest.watch(id, maxRuntime: nil, startedAt: nil)
        let (first, effects) = enforcer.request(watch, from: client, now: t0)
        guard case .watched(let record, let commit) = first else {
            Issue.record("first watch answered \(first)")
            return
        }
        #expect(effects.persist?.commit == commit)
        let (second, none) = enforcer.request(watch, from: client, now: t0.addingTimeInterval(1))
        #expect(second == .sameWatch(id, commit))
        #expect(none == Enforcer.Effects())

        // The store refused the first: it is taken back, and the next watch is a new one with its own commit.
        let takenBack = enforcer.watchCommitted(record, commit: commit, stored: false)
        #expect(takenBack)
        #expect(enforcer.records[id] == nil)
        let (third, _) = enforcer.request(watch, from: client, now: t0.addingTimeInterval(2))
        guard case .watched(let again, let retry) = third else {
            Issue.record("third watch answered \(third)")
            return
        }
        #expect(retry != commit)
        let takenBackAgain = enforcer.watchCommitted(again, commit: retry, stored: true)
        #expect(!takenBackAgain)
        // Once on disk, a watch of the same ID is answered at once, the record unchanged.
        #expect(enforcer.request(watch, from: client, now: t0.addingTimeInterval(3)).0 == .now(.task(again)))
    }

    @Test func anAnswerForAForgottenTaskIsOnlyNoted() throws {
        var enforcer = enforcer()
        let id = Self.task(1)
        try watch([id], on: &enforcer)
        _ = enforcer.timerFired(now: t0.addingTimeInterval(60))
        let (answer, forgot) = enforcer.request(.forget(id), from: client, now: t0.addingTimeInterval(61))
        guard case .afterCommit(.task(let record)) = answer else {
            Issue.record("forget answered \(answer)")
            return
        }
        #expect(record.state == .forgotten)
        #expect(forgot.persist?.saving == [record], "the forgotten record stays on disk as the task's tombstone")
        var rng = SplitMix64(seed: 1)
        let late = enforcer.attemptFinished(id, outcome: accepted, now: t0.addingTimeInterval(62), using: &rng)
        #expect(late.notes == [.lateAnswer(id, accepted)])
        #expect(late.persist == nil)
        #expect(enforcer.inFlight.isEmpty)
        #expect(enforcer.records.count == 0)
    }
}
