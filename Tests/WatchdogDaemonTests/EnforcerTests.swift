import Foundation
import MaiaStandIn
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

@Suite("Enforcer against a Maia stand-in")
struct EnforcerTests {
    @Test func deadlineLeadsToExactlyOneStopCall() async throws {
        try await Harness.with { h in
            let id = TaskID.random()
            let watched = try await h.watch(id, maxRuntime: .seconds(60))
            #expect(watched.deadline == h.clock.now().addingTimeInterval(60))
            try await h.idle()
            h.clock.advance(by: .seconds(59))
            try await h.idle()
            #expect(h.standIn.requests.isEmpty)
            h.clock.advance(by: .seconds(1))
            let requests = try await h.requests(1)
            try await h.idle()
            let record = try #require(await h.record(id))
            #expect(record.state == .stopRequested)
            #expect(record.attempts == 1)
            #expect(record.lastHTTPStatus == 204)
            #expect(requests[0].taskID == id.rawValue)
            #expect(requests[0].method == "POST")
            #expect(requests[0].path == "/dpc/v1/ai/agents/tasks/\(id.rawValue)/stop")
            #expect(requests[0].bearerToken == Harness.token)
            h.clock.advance(by: .seconds(3600))
            try await h.idle()
            #expect(h.standIn.requests.count == 1)
            #expect(h.logs.events("deadline", task: id.rawValue).count == 1)
            #expect(h.logs.events("stop_result", task: id.rawValue).first?.metadata["http.status"] == "204")
        }
    }

    @Test func retriesAreSpacedExactlyByTheSeededSchedule() async throws {
        let seed: UInt64 = 77
        try await Harness.with(seed: seed) { h in
            let id = TaskID.random()
            h.standIn.script(
                id.rawValue, [.status(502), .status(504), .status(503), .status(429, retryAfter: "90"), .status(204)])
            _ = try await h.watch(id, maxRuntime: .seconds(10))
            h.clock.advance(by: .seconds(10))
            try await h.requests(1)
            try await h.idle()
            // Replay the same generator to know each delay in advance.
            var rng = SplitMix64(seed: seed)
            let schedule = RetrySchedule(initialBackoff: .seconds(1), maxBackoff: .seconds(60), multiplier: 2)
            for attempt in 1...4 {
                let record = try #require(await h.record(id))
                #expect(record.state == .stopping)
                #expect(record.attempts == attempt)
                var expected = h.clock.now().adding(schedule.delay(afterAttempt: attempt, using: &rng))
                if attempt == 4 {
                    // 429 with Retry-After: 90 outlasts the drawn backoff (at most 8 s) and wins.
                    expected = max(expected, h.clock.now().addingTimeInterval(90))
                }
                #expect(record.nextAttemptAt == expected)
                // Just before the next attempt is due, nothing is sent.
                h.clock.advance(to: expected.addingTimeInterval(-0.001))
                try await h.idle()
                #expect(h.standIn.requests.count == attempt)
                h.clock.advance(to: expected)
                try await h.requests(attempt + 1)
                try await h.idle()
            }
            let record = try #require(await h.record(id))
            #expect(record.state == .stopRequested)
            #expect(record.attempts == 5)
            #expect(h.standIn.requests.map(\.answer.finalStatus) == [502, 504, 503, 429, 204])
        }
    }

    @Test(arguments: [(409, TaskState.notRunning), (404, .notFound), (403, .rejected), (400, .rejected)])
    func terminalAnswersAreNeverRetried(status: Int, expected: TaskState) async throws {
        try await Harness.with { h in
            let id = TaskID.random()
            h.standIn.script(
                id.rawValue, [.status(status, detail: "task says no", violations: ["taskId: not running"])])
            _ = try await h.watch(id, maxRuntime: .seconds(1))
            h.clock.advance(by: .seconds(1))
            try await h.requests(1)
            try await h.idle()
            h.clock.advance(by: .seconds(3 * 3600))
            try await h.idle()
            let record = try #require(await h.record(id))
            #expect(record.state == expected)
            #expect(record.attempts == 1)
            #expect(record.lastHTTPStatus == status)
            #expect(record.lastError == "task says no — violations: taskId: not running")
            #expect(h.standIn.requests.count == 1)
            // The ProblemDetail's detail and violations reach the journal with the result.
            let results = h.logs.events("stop_result", task: id.rawValue)
            #expect(results.count == 1)
            #expect(
                results.first?.message.description.hasSuffix(
                    "HTTP \(status): task says no — violations: taskId: not running")
                    == true)
            #expect(results.first?.metadata["http.status"] == "\(status)")
        }
    }

    /// With the harness's seed, backoffs of at most 10 s fit exactly four attempts into `give_up_after` = 25 s,
    /// each at the replayed instant; the task stays `stopping` with no fifth attempt and ends `gave_up` exactly at
    /// first attempt + 25 s.
    @Test func givesUpAfterTheLimit() async throws {
        let seed: UInt64 = 1
        let policy = Harness.policy {
            $0.retry = .init(
                initialBackoff: .seconds(10), maxBackoff: .seconds(10), multiplier: 2, giveUpAfter: .seconds(25))
        }
        try await Harness.with(policy: policy, seed: seed) { h in
            let id = TaskID.random()
            h.standIn.setDefault(.status(502))
            let first = h.clock.now()
            let giveUpAt = first.addingTimeInterval(25)
            _ = try await h.stop(id)
            var replay = SplitMix64(seed: seed)
            let schedule = RetrySchedule(policy.retry)
            for attempt in 1...4 {
                try await h.requests(attempt)
                try await h.idle()
                let record = try #require(await h.record(id))
                #expect(record.state == .stopping)
                #expect(record.attempts == attempt)
                let next = h.clock.now().adding(schedule.delay(afterAttempt: attempt, using: &replay))
                if attempt < 4 {
                    #expect(next < giveUpAt)
                    #expect(record.nextAttemptAt == next)
                    h.clock.advance(to: next)
                } else {
                    // The fifth would come at or after give_up_after: none is scheduled, the end is.
                    #expect(next >= giveUpAt)
                    #expect(record.nextAttemptAt == giveUpAt)
                }
            }
            h.clock.advance(to: giveUpAt.addingTimeInterval(-0.001))
            try await h.idle()
            #expect(await h.record(id)?.state == .stopping)
            h.clock.advance(to: giveUpAt)
            try await h.idle()
            let record = try #require(await h.record(id))
            #expect(record.state == .gaveUp)
            #expect(record.updatedAt == giveUpAt)
            #expect(record.attempts == 4)
            #expect(record.lastHTTPStatus == 502)
            h.clock.advance(by: .seconds(3600))
            try await h.idle()
            #expect(h.standIn.requests.count == 4)
            let ended = h.logs.events("stop_result", task: id.rawValue).last
            #expect(ended?.message.description.contains("ended gave_up after attempt 4") == true)
        }
    }

    /// `Retry-After` as an HTTP date is honoured in full through the enforcer: the next attempt comes at that
    /// instant (past the at most 1 s backoff), not before.
    @Test func retryAfterAsAnHTTPDateIsHonoured() async throws {
        try await Harness.with { h in
            let id = TaskID.random()
            let notBefore = h.clock.now().addingTimeInterval(120)
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            h.standIn.script(id.rawValue, [.status(503, retryAfter: formatter.string(from: notBefore)), .status(204)])
            _ = try await h.stop(id)
            try await h.requests(1)
            try await h.idle()
            let waiting = try #require(await h.record(id))
            #expect(waiting.state == .stopping)
            #expect(waiting.nextAttemptAt == notBefore)
            h.clock.advance(to: notBefore.addingTimeInterval(-0.001))
            try await h.idle()
            #expect(h.standIn.requests.count == 1)
            h.clock.advance(to: notBefore)
            try await h.requests(2)
            try await h.idle()
            #expect(await h.record(id)?.state == .stopRequested)
        }
    }

    /// `forget`, then `watch` again (a resumed task): a new record from the new receipt, enforced like any other.
    @Test func forgetThenWatchAgainStartsAfresh() async throws {
        try await Harness.with { h in
            let id = TaskID.random()
            let first = try await h.watch(id, maxRuntime: .seconds(30))
            h.clock.advance(by: .seconds(20))
            guard case .task(let forgotten) = await h.enforcer.handle(.forget(id), from: Harness.requester) else {
                Issue.record("forget refused")
                return
            }
            #expect(forgotten.state == .forgotten)
            h.clock.advance(by: .seconds(100))
            try await h.idle()
            #expect(h.standIn.requests.isEmpty)
            let again = try await h.watch(id, maxRuntime: .seconds(30))
            #expect(again.state == .watching)
            #expect(again.watchedAt == first.watchedAt.addingTimeInterval(120))
            #expect(again.deadline == h.clock.now().addingTimeInterval(30))
            #expect(again.attempts == 0)
            #expect(h.store.count == 1)
            h.clock.advance(by: .seconds(29))
            try await h.idle()
            #expect(h.standIn.requests.isEmpty)
            h.clock.advance(by: .seconds(1))
            try await h.requests(1)
            try await h.idle()
            #expect(await h.record(id)?.state == .stopRequested)
        }
    }

    /// A reload recomputes `watching` deadlines from the new policy but keeps a client's shorter `max-runtime`,
    /// and leaves tasks that are not `watching` exactly as they were.
    @Test func reloadKeepsAShorterClientLimitAndLeavesOtherStatesAlone() async throws {
        try await Harness.with { h in
            let shortened = TaskID.random()
            let plain = TaskID.random()
            let stopped = TaskID.random()
            let start = h.clock.now()
            _ = try await h.watch(shortened, maxRuntime: .seconds(600))
            _ = try await h.watch(plain)
            _ = try await h.stop(stopped)
            try await h.requests(1)
            try await h.idle()
            let stoppedBefore = try #require(await h.record(stopped))
            #expect(stoppedBefore.state == .stopRequested)
            h.clock.advance(by: .seconds(5))

            // 30 minutes: still longer than the client's 10.
            var policy = await h.enforcer.policy
            policy.maxRuntime = .finite(.seconds(1800))
            await h.enforcer.apply(policy)
            #expect(await h.record(shortened)?.deadline == start.addingTimeInterval(600))
            #expect(await h.record(shortened)?.maxRuntime == .seconds(600))
            #expect(await h.record(plain)?.deadline == start.addingTimeInterval(1800))
            #expect(await h.record(stopped) == stoppedBefore)

            // 5 minutes: now the policy is the shorter.
            policy.maxRuntime = .finite(.seconds(300))
            await h.enforcer.apply(policy)
            #expect(await h.record(shortened)?.deadline == start.addingTimeInterval(300))
            #expect(await h.record(plain)?.deadline == start.addingTimeInterval(300))
            #expect(await h.record(stopped) == stoppedBefore)

            // Back to 45 minutes: the client's 10 minutes come back, not the policy's 45.
            policy.maxRuntime = .finite(.seconds(2700))
            await h.enforcer.apply(policy)
            #expect(await h.record(shortened)?.deadline == start.addingTimeInterval(600))
            #expect(await h.record(plain)?.deadline == start.addingTimeInterval(2700))
            #expect(await h.record(stopped) == stoppedBefore)
            try await h.idle()
            #expect(h.standIn.requests.count == 1)
        }
    }

    @Test func unauthorizedFetchesAFreshTokenOnce() async throws {
        try await Harness.with { h in
            let good = TaskID.random()
            h.standIn.script(good.rawValue, [.status(401), .status(204)])
            _ = try await h.stop(good)
            try await h.requests(2)
            try await h.idle()
            #expect(await h.record(good)?.state == .stopRequested)
            #expect(await h.record(good)?.attempts == 2)

            let bad = TaskID.random()
            h.standIn.script(bad.rawValue, [.status(401), .status(401), .status(204)])
            _ = try await h.stop(bad)
            try await h.requests(4)
            try await h.idle()
            #expect(await h.record(bad)?.state == .rejected)
            #expect(await h.record(bad)?.attempts == 2)
        }
    }

    @Test func transportFailuresAreRetried() async throws {
        try await Harness.with { h in
            let id = TaskID.random()
            h.standIn.script(id.rawValue, [.dropConnection, .status(204)])
            _ = try await h.stop(id)
            try await h.requests(1)
            try await h.idle()
            let failed = try #require(await h.record(id))
            #expect(failed.state == .stopping)
            #expect(failed.lastHTTPStatus == nil)
            #expect(failed.lastError != nil)
            h.clock.advance(to: try #require(failed.nextAttemptAt))
            try await h.requests(2)
            try await h.idle()
            #expect(await h.record(id)?.state == .stopRequested)
        }
    }

    @Test func slowAnswersTimeOutAndAreRetried() async throws {
        // The timeout fires when this clock is moved: neither the held answer nor the retry's races it.
        let timeouts = ManualClock()
        try await Harness.with(requestTimeout: .milliseconds(300), timeoutClock: timeouts) { h in
            let id = TaskID.random()
            // The first answer is held past the end of the test: only the request timeout ends that attempt.
            h.standIn.script(id.rawValue, [.delayed(.seconds(60), .status(204)), .status(204)])
            _ = try await h.stop(id)
            try await h.requests(1)
            try await withBound(.seconds(10), "the request timeout to be armed") { await timeouts.waitForSleeper() }
            #expect(timeouts.earliestDeadline == timeouts.now().adding(.milliseconds(300)))
            timeouts.advance(by: .milliseconds(300))
            try await h.idle()
            let timedOut = try #require(await h.record(id))
            #expect(timedOut.state == .stopping)
            #expect(timedOut.lastHTTPStatus == nil)
            #expect(timedOut.lastError == "the Maia API did not answer within the request timeout")
            h.clock.advance(to: try #require(timedOut.nextAttemptAt))
            try await h.requests(2)
            try await h.idle()
            #expect(await h.record(id)?.state == .stopRequested)
            #expect(await h.record(id)?.attempts == 2)
        }
    }

    @Test func dryRunMakesNoCall() async throws {
        try await Harness.with(policy: Harness.policy { $0.dryRun = true }) { h in
            let id = TaskID.random()
            _ = try await h.watch(id, maxRuntime: .seconds(5))
            h.clock.advance(by: .seconds(5))
            try await h.idle()
            let record = try #require(await h.record(id))
            #expect(record.state == .dryRun)
            #expect(record.attempts == 0)
            #expect(h.standIn.requests.isEmpty)
            #expect(h.logs.events("would_stop", task: id.rawValue).count == 1)
        }
    }

    @Test func forgetPreventsTheStopAndWatchIsIdempotent() async throws {
        try await Harness.with { h in
            let id = TaskID.random()
            let first = try await h.watch(id, maxRuntime: .seconds(30))
            h.clock.advance(by: .seconds(20))
            let again = try await h.watch(id, maxRuntime: .seconds(5))
            #expect(again == first)
            let forgotten = await h.enforcer.handle(.forget(id), from: Harness.requester)
            guard case .task(let record) = forgotten else { Issue.record("\(forgotten)"); return }
            #expect(record.state == .forgotten)
            h.clock.advance(by: .seconds(60))
            try await h.idle()
            #expect(h.standIn.requests.isEmpty)
            let status = await h.enforcer.handle(.status(id), from: Harness.requester)
            #expect(status == .failure(ControlError(.unknownTask, "task \(id) is not tracked")))
            let stored = h.store.loadAll()
            #expect(stored.map(\.state) == [.forgotten], "only its tombstone is stored")
        }
    }

    @Test func terminalRecordsAreDroppedAfterRetention() async throws {
        try await Harness.with(policy: Harness.policy { $0.retention = .seconds(3600) }) { h in
            let id = TaskID.random()
            _ = try await h.stop(id)
            try await h.requests(1)
            try await h.idle()
            h.clock.advance(by: .seconds(3599))
            try await h.idle()
            #expect(await h.record(id)?.state == .stopRequested)
            h.clock.advance(by: .seconds(1))
            try await h.idle()
            #expect(await h.record(id) == nil)
            #expect(h.store.count == 0)
        }
    }

    @Test func reloadShortensWatchingDeadlinesAndDropsDisallowedTasks() async throws {
        try await Harness.with { h in
            let kept = TaskID.random()
            let dropped = TaskID.random()
            _ = try await h.watch(kept)
            _ = try await h.watch(dropped)
            var policy = await h.enforcer.policy
            policy.maxRuntime = .finite(.seconds(120))
            policy.allow = .only([kept])
            await h.enforcer.apply(policy)
            #expect(await h.record(kept)?.deadline == h.clock.now().addingTimeInterval(120))
            #expect(await h.record(dropped) == nil)
            h.clock.advance(by: .seconds(120))
            try await h.requests(1)
            try await h.idle()
            #expect(h.standIn.requests.map(\.taskID) == [kept.rawValue])
        }
    }

    /// The stand-in holds every answer: exactly `max_in_flight` stops are on the wire and no more; each answer let
    /// go lets exactly one more out.
    @Test func maxInFlightBoundsConcurrentCalls() async throws {
        let limit = 3
        try await Harness.with(policy: Harness.policy { $0.api.maxInFlight = limit }) { h in
            let ids = (0..<6).map { _ in TaskID.random() }
            h.standIn.setDefault(.held(.status(204)))
            for id in ids { _ = try await h.watch(id, maxRuntime: .seconds(1)) }
            h.clock.advance(by: .seconds(1))
            for inFlight in limit...ids.count {
                try await h.requests(inFlight)
                // The loop has taken the answer and started what it will: a turn of it after the requests arrived.
                await h.enforcer.heartbeat()
                #expect(await h.attemptsInFlight() == limit)
                #expect(h.standIn.requests.count == inFlight)
                let started = await ids.asyncFilter { await h.record($0)?.attempts == 1 }
                #expect(started.count == inFlight)
                h.standIn.releaseHeld()
                if inFlight == ids.count { break }
            }
            h.standIn.releaseHeld(limit - 1)
            try await h.idle()
            #expect(h.standIn.requests.count == ids.count)
            for id in ids { #expect(await h.record(id)?.state == .stopRequested) }
        }
    }

    @Test func restoredTasksPastTheirDeadlineAreStoppedAtOnce() async throws {
        let clock = ManualClock()
        let id = TaskID.random()
        let record = TaskRecord(
            id: id, state: .watching, watchedAt: clock.now().addingTimeInterval(-7200),
            startedAt: clock.now().addingTimeInterval(-7200), deadline: clock.now().addingTimeInterval(-3600),
            maxRuntime: .seconds(3600), updatedAt: clock.now().addingTimeInterval(-7200),
            requestedBy: Harness.requester)
        try await Harness.with(stored: [record]) { h in
            try await h.requests(1)
            try await h.idle()
            #expect(await h.record(id)?.state == .stopRequested)
        }
    }
}

extension Sequence where Element: Sendable {
    func asyncFilter(_ isIncluded: (Element) async -> Bool) async -> [Element] {
        var kept: [Element] = []
        for element in self where await isIncluded(element) { kept.append(element) }
        return kept
    }
}

extension Harness {
    func stop(_ id: TaskID) async throws -> TaskRecord {
        let response = await enforcer.handle(.stop(id), from: Self.requester)
        guard case .task(let record) = response else { throw HarnessError.unexpected("\(response)") }
        return record
    }
}
