import Foundation
@_spi(Testing) import MaiaClient
import MaiaStandIn
import Synchronization
import TestSupport
import Testing

@Suite("Rate limiter")
struct RateLimiterTests {
    /// Grants collected from many callers; a test can wait (an event, not a poll) until there are enough.
    final class Grants: Sendable {
        private struct State {
            var grants: [RateLimiter.Grant] = []
            var nextID = 0
            var waiters: [Int: (count: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        }
        private let state = Mutex(State())
        var all: [RateLimiter.Grant] { state.withLock { $0.grants } }
        var count: Int { state.withLock { $0.grants.count } }

        func append(_ grant: RateLimiter.Grant) {
            let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.grants.append(grant)
                let count = state.grants.count
                let ids = state.waiters.filter { $0.value.count <= count }.map(\.key)
                return ids.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
            }
            for continuation in ready { continuation.resume() }
        }

        /// Returns once `count` grants are in, or when the calling task is cancelled.
        func wait(for count: Int) async {
            let id = state.withLock { state -> Int in
                state.nextID += 1
                return state.nextID
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state -> Bool in
                        if state.grants.count >= count || Task.isCancelled { return true }
                        state.waiters[id] = (count, continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
            }
        }
    }

    /// Starts `count` callers at once, then moves the clock from one wake-up of the limiter to the next until every
    /// caller is through. Instant: nothing waits on real time.
    static func drain(
        _ limiter: RateLimiter, clock: ManualClock, callers count: Int
    ) async throws -> [RateLimiter.Grant] {
        let grants = Grants()
        let asked = limiter.arrivals
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask { grants.append(try await limiter.acquire()) }
            }
            // Every caller has asked before the clock first moves: they are simultaneous.
            try await withBound(.seconds(30), "all callers to arrive") {
                await limiter.waitForArrivals(asked + UInt64(count))
            }
            while grants.count < count {
                try await withBound(.seconds(30), "the limiter to wait or finish") {
                    await withTaskGroup(of: Void.self) { race in
                        race.addTask { await clock.waitForSleeper() }
                        race.addTask { await grants.wait(for: count) }
                        await race.next()
                        race.cancelAll()
                    }
                }
                if let next = clock.earliestDeadline { clock.advance(to: next) }
            }
            try await group.waitForAll()
        }
        return grants.all.sorted { $0.sequence < $1.sequence }
    }

    /// The most calls in any 60-second window (half-open: a call exactly 60 s after another is in the next one).
    static func busiestMinute(_ offsets: [Double]) -> Int {
        var most = 0
        var low = 0
        for high in offsets.indices {
            while offsets[high] - offsets[low] >= 60 { low += 1 }
            most = max(most, high - low + 1)
        }
        return most
    }

    @Test("5,000 simultaneous calls at 900/min: a burst of 90, then one every 1/15 s, in arrival order, none lost")
    func spreadOfFiveThousand() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let limiter = RateLimiter(ratePerMinute: 900, clock: clock)
        #expect(limiter.bucket.burst == 90)
        let grants = try await Self.drain(limiter, clock: clock, callers: 5000)

        #expect(grants.count == 5000)
        #expect(Set(grants.map(\.arrival)).count == 5000)
        // Order preserved: the n-th to ask is the n-th to go.
        #expect(grants.allSatisfy { $0.arrival == $0.sequence })
        let offsets = grants.map { $0.at.timeIntervalSince(start) }
        #expect(zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(offsets.prefix(90).allSatisfy { $0 == 0 })
        let span = offsets.last! - offsets.first!
        #expect(abs(span - 4910.0 / 15.0) < 0.01)

        // Calls in every 60-second window: never more than the rate, the burst included.
        let most = Self.busiestMinute(offsets)
        #expect(most == 900)
        // Each minute opens with the burst the bucket saved while the window was full.
        #expect(offsets[900] == 60)
        #expect(offsets[989] == 60)
        #expect(abs(offsets[990] - (60 + 1.0 / 15)) < 1e-6)
        var perMinute: [Int] = []
        for offset in offsets {
            let minute = Int(offset / 60)
            while perMinute.count <= minute { perMinute.append(0) }
            perMinute[minute] += 1
        }
        #expect(perMinute.dropFirst().dropLast().allSatisfy { $0 == 900 })
        print(
            "rate limiter spread: 5000 calls at 900/min, burst 90: first to last \(String(format: "%.2f", span)) s; "
                + "calls per minute \(perMinute); busiest 60 s window \(most)")
    }

    @Test("a storm at 360/min: callers that ask again at once never put more than 360 calls into any 60 s window")
    func longStormHoldsThePerMinuteCap() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let limiter = RateLimiter(ratePerMinute: 360, clock: clock)
        #expect(limiter.bucket.burst == 36)
        // 4,000 calls is 11 minutes of storm; a quiet spell in the middle refills the bucket.
        var offsets = try await Self.drain(limiter, clock: clock, callers: 2000).map { $0.at.timeIntervalSince(start) }
        clock.advance(by: 600)
        offsets += try await Self.drain(limiter, clock: clock, callers: 2000).map { $0.at.timeIntervalSince(start) }
        #expect(offsets.count == 4000)
        #expect(Self.busiestMinute(offsets) == 360)
        // Without the window the bucket would allow burst + rate = 396 (the storm found in the attack).
        #expect(offsets.prefix(36).allSatisfy { $0 == 0 })
        print("rate limiter storm: 4000 calls at 360/min, busiest 60 s window \(Self.busiestMinute(offsets))")
    }

    @Test("the sliding window: the limit-th call back must be a whole window old, to the nanosecond")
    func slidingWindowEdges() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        var window = SlidingWindow(limit: 3, length: 60)
        for offset in [0.0, 10, 20] {
            #expect(window.earliest(now: start.addingTimeInterval(offset)) == nil)
            window.record(start.addingTimeInterval(offset))
        }
        #expect(window.earliest(now: start.addingTimeInterval(59.999)) == start.addingTimeInterval(60))
        #expect(window.earliest(now: start.addingTimeInterval(60)) == nil)
        window.record(start.addingTimeInterval(60))
        #expect(window.earliest(now: start.addingTimeInterval(60)) == start.addingTimeInterval(70))
        var unlimited = SlidingWindow(limit: 0)
        unlimited.record(start)
        #expect(unlimited.earliest(now: start) == nil)
    }

    @Test("a pause holds every caller, queued or new, until it ends; then calls resume at the steady rate")
    func pauseHoldsEveryone() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let limiter = RateLimiter(ratePerMinute: 60, burst: 5, clock: clock)
        try await limiter.acquire()
        limiter.pause(until: start.addingTimeInterval(30))
        let grants = try await Self.drain(limiter, clock: clock, callers: 4)
        let offsets = grants.map { $0.at.timeIntervalSince(start) }
        #expect(offsets == [30, 31, 32, 33])
        #expect(grants.map(\.arrival) == [1, 2, 3, 4])
    }

    @Test("a pause longer than the maximum is cut to it")
    func pauseIsCapped() {
        let clock = ManualClock()
        let limiter = RateLimiter(ratePerMinute: 60, maximumPause: .seconds(600), clock: clock)
        limiter.pause(until: clock.now().addingTimeInterval(86_400))
        #expect(limiter.bucket.pausedUntil == clock.now().addingTimeInterval(600))
    }

    @Test("a cancelled caller leaves the queue without taking a turn")
    func cancellation() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(ratePerMinute: 60, burst: 1, clock: clock)
        try await limiter.acquire()
        let waiting = Task { try await limiter.acquire() }
        await clock.waitForSleeper()
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(limiter.queued == 0)
        clock.advance(by: 1)
        let next = try await limiter.acquire()
        #expect(next.arrival == 2)
        #expect(next.sequence == 1)
    }

    @Test("a 429 with Retry-After from one task pauses stops of every task")
    func tooManyRequestsPausesTheWholeClient() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(ratePerMinute: 900, clock: clock)
        try await Fixture.with { fixture in
            let transport = RateLimitedTransport(fixture.transport, limiter: limiter, clock: clock)
            let client = MaiaAPIClient(
                baseURL: fixture.standIn.baseURL, requestTimeout: .seconds(5), transport: transport,
                tokens: StaticTokenProvider(file: fixture.tokenFile))
            let other = "1b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a12"
            fixture.standIn.script(Fixture.taskID, [.status(429, retryAfter: "20")])
            let first = await client.stop(taskID: Fixture.taskID)
            #expect(first == .answered(status: 429, retryAfter: .seconds(20), problem: first.problem))
            let paused = clock.now()

            // Another task's stop waits for the pause, though the bucket holds tokens.
            let second = Task { await client.stop(taskID: other) }
            await clock.waitForSleeper()
            #expect(clock.earliestDeadline == paused.addingTimeInterval(20))
            clock.advance(by: 19.999)
            #expect(fixture.standIn.requests.count == 1)
            clock.advance(to: paused.addingTimeInterval(20))
            #expect(await second.value == .succeeded(status: 204, NoContent()))
            let requests = try await fixture.standIn.waitForRequests(count: 2, timeout: .seconds(5))
            #expect(requests.map(\.taskID) == [Fixture.taskID, other])
        }
    }
}

extension MaiaOutcome {
    var problem: ProblemDetail? {
        if case .answered(_, _, let problem) = self { return problem }
        return nil
    }
}
