import Foundation
import Testing
import WatchdogProtocol

@testable import WatchdogCore

@Suite("TaskMachine")
struct TaskMachineTests {
    let id = TaskID("0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11")!
    let other = TaskID("11111111-2222-3333-4444-555555555555")!
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let requester = Requester(uid: 1000, pid: 42)

    func machine(
        allow: Policy.Allowlist = .everyTask, limits: [TaskID: TimeSpan] = [:], dryRun: Bool = false,
        retry: Policy.RetryConfiguration = .init()
    ) -> TaskMachine {
        // Runtime from the watch and no confirmation: these tests are about stops (EnforcerReadTests has the reads).
        TaskMachine(
            policy: Policy(
                maxRuntime: .finite(.seconds(45 * 60)), allow: allow, dryRun: dryRun, limits: limits, retry: retry,
                runtimeOrigin: .watch, confirm: .init(enabled: false)))
    }

    func watching(_ machine: TaskMachine, maxRuntime: Duration? = nil, startedAt: Date? = nil) throws -> TaskRecord {
        try machine.watch(id, maxRuntime: maxRuntime, startedAt: startedAt, now: now, requestedBy: requester).get()
    }

    @Test func watchUsesPolicyLimitFromReceipt() throws {
        let record = try watching(machine())
        #expect(record.state == .watching)
        #expect(record.deadline == now.addingTimeInterval(45 * 60))
        #expect(record.maxRuntime == .seconds(45 * 60))
        #expect(record.requestedBy == requester)
        #expect(record.attempts == 0)
    }

    @Test func maxRuntimeOnlyShortens() throws {
        let shorter = try watching(machine(), maxRuntime: .seconds(60))
        #expect(shorter.deadline == now.addingTimeInterval(60))
        let longer = try watching(machine(), maxRuntime: .seconds(10 * 3600))
        #expect(longer.maxRuntime == .seconds(45 * 60))
        #expect(longer.deadline == now.addingTimeInterval(45 * 60))
    }

    @Test func perTaskLimitAndExemption() throws {
        let limited = try watching(machine(limits: [id: .finite(.seconds(4 * 3600))]))
        #expect(limited.deadline == now.addingTimeInterval(4 * 3600))
        let exempt = try watching(machine(limits: [id: .infinity]))
        #expect(exempt.deadline == nil)
        #expect(exempt.maxRuntime == nil)
        let exemptButShortened = try watching(machine(limits: [id: .infinity]), maxRuntime: .seconds(30))
        #expect(exemptButShortened.deadline == now.addingTimeInterval(30))
    }

    @Test func startedAtCountsRuntimeAndRejectsFarFuture() throws {
        let earlier = now.addingTimeInterval(-600)
        let record = try watching(machine(), startedAt: earlier)
        #expect(record.deadline == earlier.addingTimeInterval(45 * 60))
        #expect(record.watchedAt == now)
        let nearFuture = try watching(machine(), startedAt: now.addingTimeInterval(300))
        #expect(nearFuture.deadline == now.addingTimeInterval(300 + 45 * 60))
        let result = machine().watch(
            id, maxRuntime: nil, startedAt: now.addingTimeInterval(301), now: now, requestedBy: requester)
        #expect(throws: ControlError.self) { try result.get() }
        #expect((try? result.get()) == nil)
        if case .failure(let error) = result { #expect(error.code == .badRequest) }
    }

    @Test func allowlistRefusesOthers() {
        let machine = machine(allow: .only([other]))
        let result = machine.watch(id, maxRuntime: nil, startedAt: nil, now: now, requestedBy: requester)
        guard case .failure(let error) = result else { Issue.record("expected refusal"); return }
        #expect(error.code == .notAllowed)
        let stop = machine.stopRequested(id, existing: nil, now: now, requestedBy: requester)
        guard case .failure(let stopError) = stop else { Issue.record("expected refusal"); return }
        #expect(stopError.code == .notAllowed)
    }

    @Test func deadlineStartsStoppingOnlyWhenDue() throws {
        let machine = machine()
        var record = try watching(machine)
        #expect(machine.deadlineReached(&record, now: now.addingTimeInterval(45 * 60 - 0.001)) == nil)
        #expect(record.state == .watching)
        let action = machine.deadlineReached(&record, now: now.addingTimeInterval(45 * 60))
        #expect(action == .sendStop(freshToken: false))
        #expect(record.state == .stopping)
    }

    @Test func dryRunFinishesWithoutSending() throws {
        let machine = machine(dryRun: true)
        var record = try watching(machine)
        let action = machine.deadlineReached(&record, now: now.addingTimeInterval(3600))
        #expect(action == .finish(.dryRun))
        #expect(record.state == .dryRun)
        #expect(record.attempts == 0)
    }

    @Test(arguments: [
        (204, TaskState.stopRequested), (409, .notRunning), (404, .notFound), (400, .rejected), (403, .rejected),
        (418, .rejected), (422, .rejected),
    ])
    func terminalAnswers(status: Int, expected: TaskState) throws {
        let machine = machine()
        var record = try watching(machine)
        _ = machine.deadlineReached(&record, now: now.addingTimeInterval(3600))
        machine.attemptStarted(&record, now: now.addingTimeInterval(3600))
        var rng = SplitMix64(seed: 1)
        let action = machine.attemptFinished(
            &record, outcome: .answered(status: status, retryNotBefore: nil, detail: "why"),
            now: now.addingTimeInterval(3601), using: &rng)
        #expect(action == .finish(expected))
        #expect(record.state == expected)
        #expect(record.lastHTTPStatus == status)
        #expect(record.attempts == 1)
        #expect(record.nextWake == nil)
    }

    @Test func unauthorizedRetriesOnceWithFreshToken() throws {
        let machine = machine()
        var record = try watching(machine)
        var rng = SplitMix64(seed: 1)
        let t = now.addingTimeInterval(3600)
        _ = machine.deadlineReached(&record, now: t)
        machine.attemptStarted(&record, now: t)
        let first = machine.attemptFinished(
            &record, outcome: .answered(status: 401, retryNotBefore: nil, detail: nil), now: t, using: &rng)
        #expect(first == .sendStop(freshToken: true))
        #expect(record.state == .stopping)
        #expect(record.nextAttemptAt == t)
        machine.attemptStarted(&record, now: t)
        let second = machine.attemptFinished(
            &record, outcome: .answered(status: 401, retryNotBefore: nil, detail: nil), now: t, using: &rng)
        #expect(second == .finish(.rejected))
        #expect(record.attempts == 2)
    }

    @Test func retryableAnswersBackOffWithExactJitter() throws {
        let machine = machine()
        var record = try watching(machine)
        var rng = SplitMix64(seed: 42)
        var expectedRNG = SplitMix64(seed: 42)
        let schedule = RetrySchedule(machine.policy.retry)
        var t = now.addingTimeInterval(3600)
        _ = machine.deadlineReached(&record, now: t)
        for (attempt, status) in [502, 504, 503, 429, 500].enumerated() {
            machine.attemptStarted(&record, now: t)
            let action = machine.attemptFinished(
                &record, outcome: .answered(status: status, retryNotBefore: nil, detail: nil), now: t, using: &rng)
            let expected = t.adding(schedule.delay(afterAttempt: attempt + 1, using: &expectedRNG))
            #expect(action == .sleep(until: expected))
            #expect(record.nextAttemptAt == expected)
            #expect(record.state == .stopping)
            t = expected
        }
        machine.attemptStarted(&record, now: t)
        _ = machine.attemptFinished(&record, outcome: .failed(reason: "connection refused"), now: t, using: &rng)
        #expect(record.lastError == "connection refused")
        #expect(record.state == .stopping)
        #expect(record.attempts == 6)
    }

    @Test func retryAfterIsHonouredPastMaxBackoff() throws {
        let machine = machine()
        var record = try watching(machine)
        var rng = SplitMix64(seed: 7)
        let t = now.addingTimeInterval(3600)
        _ = machine.deadlineReached(&record, now: t)
        machine.attemptStarted(&record, now: t)
        let notBefore = t.addingTimeInterval(120)
        let action = machine.attemptFinished(
            &record, outcome: .answered(status: 429, retryNotBefore: notBefore, detail: nil), now: t, using: &rng)
        #expect(action == .sleep(until: notBefore))
    }

    /// A Retry-After beyond give_up_after cannot be honoured in time: no retry is scheduled, the task stays
    /// `stopping` without another attempt, and ends `gave_up` exactly at first attempt + give_up_after.
    @Test func givesUpAtGiveUpAfterInsteadOfSchedulingPastIt() throws {
        let machine = machine(retry: .init(giveUpAfter: .seconds(600)))
        var record = try watching(machine)
        var rng = SplitMix64(seed: 7)
        let t = now.addingTimeInterval(3600)
        _ = machine.deadlineReached(&record, now: t)
        machine.attemptStarted(&record, now: t)
        let giveUpAt = t.addingTimeInterval(600)
        let action = machine.attemptFinished(
            &record, outcome: .answered(status: 503, retryNotBefore: giveUpAt, detail: nil), now: t, using: &rng)
        #expect(action == .giveUp(at: giveUpAt))
        #expect(record.state == .stopping)
        #expect(record.nextAttemptAt == giveUpAt)
        #expect(machine.nextWake(of: record) == giveUpAt)
        var early = record
        #expect(machine.retryDue(&early, now: giveUpAt.addingTimeInterval(-0.001)) == nil)
        #expect(early == record)
        #expect(machine.retryDue(&record, now: giveUpAt) == .finish(.gaveUp))
        #expect(record.state == .gaveUp)
        #expect(record.updatedAt == giveUpAt)
        #expect(record.attempts == 1)
    }

    /// With the seed fixed, the whole sequence is known: 21 attempts fit into 10 s of backoffs of at most 1 s, each
    /// at the instant the replayed schedule says, and the task ends `gave_up` at first attempt + 10 s, not before.
    @Test func givesUpWhenBackoffCrossesTheLimit() throws {
        let retry = Policy.RetryConfiguration(
            initialBackoff: .seconds(1), maxBackoff: .seconds(1), giveUpAfter: .seconds(10))
        let machine = machine(retry: retry)
        var record = try watching(machine)
        var rng = SplitMix64(seed: 3)
        var replay = SplitMix64(seed: 3)
        let first = now.addingTimeInterval(3600)
        let giveUpAt = first.addingTimeInterval(10)
        var t = first
        _ = machine.deadlineReached(&record, now: t)
        var attempts = 0
        attempting: while true {
            #expect(machine.retryDue(&record, now: t) == nil)
            machine.attemptStarted(&record, now: t)
            attempts += 1
            let action = machine.attemptFinished(
                &record, outcome: .answered(status: 502, retryNotBefore: nil, detail: nil), now: t, using: &rng)
            let expected = t.adding(RetrySchedule(retry).delay(afterAttempt: attempts, using: &replay))
            switch action {
            case .sleep(let until):
                #expect(until == expected)
                #expect(until < giveUpAt)
                #expect(record.state == .stopping)
                t = until
            case .giveUp(let at):
                #expect(expected >= giveUpAt)
                #expect(at == giveUpAt)
                break attempting
            default:
                Issue.record("unexpected \(action) after attempt \(attempts)")
                return
            }
        }
        #expect(attempts == 21)
        #expect(record.attempts == 21)
        #expect(record.firstAttemptAt == first)
        #expect(record.state == .stopping)
        #expect(record.nextAttemptAt == giveUpAt)
        #expect(machine.retryDue(&record, now: giveUpAt) == .finish(.gaveUp))
        #expect(record.state == .gaveUp)
        #expect(record.updatedAt == giveUpAt)
        #expect(record.attempts == 21)
    }

    @Test func stopIsIdempotentWhileStopping() throws {
        let machine = machine()
        let (record, action) = try machine.stopRequested(id, existing: nil, now: now, requestedBy: requester).get()
        #expect(action == .sendStop(freshToken: false))
        #expect(record.state == .stopping)
        #expect(record.deadline == nil)
        let (again, secondAction) = try machine.stopRequested(id, existing: record, now: now, requestedBy: requester)
            .get()
        #expect(secondAction == nil)
        #expect(again == record)
    }

    @Test func stopAfterTerminalStartsANewSequence() throws {
        let machine = machine()
        var record = try watching(machine)
        record.state = .notRunning
        record.attempts = 1
        let (restarted, action) = try machine.stopRequested(id, existing: record, now: now, requestedBy: requester)
            .get()
        #expect(action == .sendStop(freshToken: false))
        #expect(restarted.state == .stopping)
        #expect(restarted.attempts == 1)
    }

    @Test func retentionExpiryAndReloadRecomputesWatchingDeadline() throws {
        var machine = machine()
        var record = try watching(machine)
        #expect(machine.nextWake(of: record) == record.deadline)
        machine.policy.maxRuntime = .finite(.seconds(60))
        machine.applyLimit(to: &record)
        #expect(record.deadline == now.addingTimeInterval(60))
        record.state = .stopRequested
        #expect(machine.expiry(of: record) == record.updatedAt.addingTimeInterval(7 * 86_400))
        #expect(machine.nextWake(of: record) == machine.expiry(of: record))
    }
}
