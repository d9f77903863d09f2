import Foundation
@_spi(Testing) import MaiaClient
import Synchronization
import TestSupport
import Testing

/// The lanes of the shared rate limit (`interface.md`, "Maia's task reads"): waiting stops (and token requests) go
/// before waiting task reads, and task reads before list pages; within a lane, in arrival order.
///
/// Every test runs at 60 calls a minute with a burst of 1 on a ``ManualClock``: after the first call the bucket is
/// empty and one token accrues each second, so every grant's instant is exact. Callers are started one at a time and
/// each is in line (``RateLimiter/waitForArrivals(_:)``) before the next starts, so arrival order is the start order.
/// Each test fails if the limiter served callers first come, first served whatever their lane.
@Suite("Rate limiter lanes")
struct RateLimiterLaneTests {
    typealias Grants = RateLimiterTests.Grants

    /// A limiter whose bucket has just been emptied at the clock's start, and that start.
    static func emptied(_ clock: ManualClock) async throws -> (RateLimiter, Date) {
        let limiter = RateLimiter(ratePerMinute: 60, burst: 1, clock: clock)
        let first = try await limiter.acquire()
        #expect(first.at == clock.now())
        return (limiter, clock.now())
    }

    /// Starts one caller in `lane` and returns once it has asked.
    @discardableResult
    static func start(
        _ lane: RequestLane, on limiter: RateLimiter, into grants: Grants
    ) async throws -> Task<Void, any Error> {
        let asked = limiter.arrivals
        let caller = Task { grants.append(try await limiter.acquire(lane: lane)) }
        try await withBound(.seconds(30), "a \(lane) caller to ask") { await limiter.waitForArrivals(asked + 1) }
        return caller
    }

    /// Moves the clock from one wake-up of the limiter to the next until `count` grants are in; returns them in the
    /// order they were let through.
    static func drain(
        _ limiter: RateLimiter, clock: ManualClock, grants: Grants, until count: Int
    ) async throws -> [RateLimiter.Grant] {
        while grants.count < count {
            try await withBound(.seconds(30), "the limiter to wait or finish") {
                await withTaskGroup(of: Void.self) { race in
                    race.addTask { await clock.waitForSleeper() }
                    race.addTask { await grants.wait(for: count) }
                    await race.next()
                    race.cancelAll()
                }
            }
            if grants.count < count, let next = clock.earliestDeadline { clock.advance(to: next) }
        }
        return grants.all.sorted { $0.sequence < $1.sequence }
    }

    /// Returns once someone sleeps on `clock`.
    static func sleeper(_ clock: ManualClock) async throws {
        try await withBound(.seconds(30), "the limiter to wait on the clock") { await clock.waitForSleeper() }
    }

    @Test("500 reads wait for an empty bucket; a stop that arrives after them takes the next token, to the instant")
    func stopOvertakesFiveHundredReads() async throws {
        let clock = ManualClock()
        let (limiter, start) = try await Self.emptied(clock)
        let grants = Grants()
        for _ in 0..<500 {
            try await Self.start(.read, on: limiter, into: grants)
        }
        try await Self.sleeper(clock)
        try await Self.start(.stop, on: limiter, into: grants)
        #expect(limiter.queued(in: .read) == 500)
        #expect(limiter.queued(in: .stop) == 1)
        #expect(limiter.queued == 501)
        #expect(clock.sleeperCount == 1)
        #expect(clock.earliestDeadline == start.addingTimeInterval(1))

        clock.advance(to: start.addingTimeInterval(1))
        try await withBound(.seconds(30), "the next grant") { await grants.wait(for: 1) }
        #expect(grants.all.map(\.lane) == [.stop])
        #expect(grants.all.map(\.arrival) == [501])
        #expect(grants.all.map(\.at) == [start.addingTimeInterval(1)])
        #expect(limiter.queued(in: .stop) == 0)

        // The reads then go one a second, in the order they asked.
        let all = try await Self.drain(limiter, clock: clock, grants: grants, until: 501)
        #expect(all.dropFirst().map(\.arrival) == Array(1...500))
        #expect(all.dropFirst().map(\.at) == (2...501).map { start.addingTimeInterval(Double($0)) })
        #expect(all.dropFirst().allSatisfy { $0.lane == .read })
    }

    @Test("task reads go before list pages that arrived earlier")
    func readsBeforeEarlierListPages() async throws {
        let clock = ManualClock()
        let (limiter, start) = try await Self.emptied(clock)
        let grants = Grants()
        for lane in [RequestLane.list, .list, .list, .read, .read, .read] {
            try await Self.start(lane, on: limiter, into: grants)
        }
        #expect(limiter.queued(in: .list) == 3)
        #expect(limiter.queued(in: .read) == 3)
        let all = try await Self.drain(limiter, clock: clock, grants: grants, until: 6)
        #expect(all.map(\.lane) == [.read, .read, .read, .list, .list, .list])
        #expect(all.map(\.arrival) == [4, 5, 6, 1, 2, 3])
        #expect(all.map(\.at) == (1...6).map { start.addingTimeInterval(Double($0)) })
    }

    @Test("within each lane, callers go in the order they asked; the lanes in order stop, read, list")
    func firstComeFirstServedWithinEachLane() async throws {
        let clock = ManualClock()
        let (limiter, start) = try await Self.emptied(clock)
        let grants = Grants()
        let arrivals: [RequestLane] = [.list, .read, .stop, .read, .list, .stop, .read, .stop, .list]
        for lane in arrivals {
            try await Self.start(lane, on: limiter, into: grants)
        }
        let all = try await Self.drain(limiter, clock: clock, grants: grants, until: arrivals.count)
        // Arrival 0 was the call that emptied the bucket.
        #expect(all.map(\.arrival) == [3, 6, 8, 2, 4, 7, 1, 5, 9])
        #expect(all.map(\.lane) == [.stop, .stop, .stop, .read, .read, .read, .list, .list, .list])
        #expect(all.map(\.sequence) == Array(1...9))
        #expect(all.map(\.at) == (1...9).map { start.addingTimeInterval(Double($0)) })
    }

    @Test("a cancelled caller leaves its lane without a token, whether it waits to be told or on the clock")
    func cancelledCallersTakeNothing() async throws {
        let clock = ManualClock()
        let (limiter, start) = try await Self.emptied(clock)
        let grants = Grants()
        // The first read waits on the clock for everyone; the others wait to be told.
        let sleepingRead = try await Self.start(.read, on: limiter, into: grants)
        try await Self.sleeper(clock)
        try await Self.start(.read, on: limiter, into: grants)
        let queuedStop = try await Self.start(.stop, on: limiter, into: grants)
        try await Self.start(.list, on: limiter, into: grants)
        try await Self.start(.stop, on: limiter, into: grants)
        #expect(limiter.queued == 5)

        queuedStop.cancel()
        await #expect(throws: CancellationError.self) { try await queuedStop.value }
        #expect(limiter.queued(in: .stop) == 1)
        #expect(clock.sleeperCount == 1)

        sleepingRead.cancel()
        await #expect(throws: CancellationError.self) { try await sleepingRead.value }
        #expect(limiter.queued(in: .read) == 1)
        // The clock passed to another caller, still for the very next token: the cancelled ones took none.
        try await Self.sleeper(clock)
        #expect(clock.sleeperCount == 1)
        #expect(clock.earliestDeadline == start.addingTimeInterval(1))

        let all = try await Self.drain(limiter, clock: clock, grants: grants, until: 3)
        #expect(all.map(\.lane) == [.stop, .read, .list])
        #expect(all.map(\.arrival) == [5, 2, 4])
        #expect(all.map(\.sequence) == [1, 2, 3])
        #expect(all.map(\.at) == (1...3).map { start.addingTimeInterval(Double($0)) })
        #expect(limiter.queued == 0)
    }

    @Test("a pause holds every lane, callers that arrive during it too; then they resume in lane order")
    func pauseHoldsAllLanes() async throws {
        let clock = ManualClock()
        let (limiter, start) = try await Self.emptied(clock)
        let grants = Grants()
        for lane in [RequestLane.list, .read, .stop] {
            try await Self.start(lane, on: limiter, into: grants)
        }
        let resume = start.addingTimeInterval(30)
        limiter.pause(until: resume)
        // The token due after 1 s is not given: the limiter looks again and then waits for the end of the pause.
        try await Self.sleeper(clock)
        clock.advance(to: start.addingTimeInterval(1))
        try await withBound(.seconds(30), "the limiter to wait for the end of the pause") {
            while clock.earliestDeadline != resume { await clock.waitForSleeper() }
        }
        try await Self.start(.read, on: limiter, into: grants)
        try await Self.start(.stop, on: limiter, into: grants)
        #expect(grants.count == 0)
        #expect(limiter.queued == 5)
        #expect(clock.sleeperCount == 1)

        let all = try await Self.drain(limiter, clock: clock, grants: grants, until: 5)
        #expect(all.map(\.lane) == [.stop, .stop, .read, .read, .list])
        #expect(all.map(\.arrival) == [3, 5, 2, 4, 1])
        #expect(all.map(\.at) == (30...34).map { start.addingTimeInterval(Double($0)) })
    }

    @Test("a list page waits on the clock for the next token; a read, then a stop arrive: the stop gets it, one timer")
    func urgentArrivalTakesTheTokenASleeperWaitsFor() async throws {
        let clock = ManualClock()
        let (limiter, start) = try await Self.emptied(clock)
        let grants = Grants()
        try await Self.start(.list, on: limiter, into: grants)
        try await Self.sleeper(clock)
        #expect(clock.earliestDeadline == start.addingTimeInterval(1))
        try await Self.start(.read, on: limiter, into: grants)
        #expect(clock.sleeperCount == 1)
        try await Self.start(.stop, on: limiter, into: grants)
        #expect(clock.sleeperCount == 1)
        #expect(clock.earliestDeadline == start.addingTimeInterval(1))

        clock.advance(to: start.addingTimeInterval(1))
        try await withBound(.seconds(30), "the next grant") { await grants.wait(for: 1) }
        #expect(grants.all.map(\.lane) == [.stop])
        #expect(grants.all.map(\.at) == [start.addingTimeInterval(1)])
        // The list page, no longer first, has not taken the token and still waits.
        #expect(limiter.queued(in: .list) == 1)
        #expect(limiter.queued(in: .read) == 1)

        let all = try await Self.drain(limiter, clock: clock, grants: grants, until: 3)
        #expect(all.map(\.lane) == [.stop, .read, .list])
        #expect(all.map(\.arrival) == [3, 2, 1])
        #expect(all.map(\.at) == (1...3).map { start.addingTimeInterval(Double($0)) })
    }

    @Test("through the rate-limited transport, each request's lane decides the order it is sent in")
    func transportSendsByLane() async throws {
        let clock = ManualClock()
        let start = clock.now()
        let limiter = RateLimiter(ratePerMinute: 60, burst: 1, clock: clock)
        let inner = RecordingTransport()
        let transport = RateLimitedTransport(inner, limiter: limiter, clock: clock)
        func request(_ name: String, _ lane: RequestLane) -> MaiaRequest {
            MaiaRequest(method: .GET, url: "http://127.0.0.1:9/\(name)", timeout: .seconds(5), lane: lane)
        }
        #expect(try await transport.send(request("first", .list)).status == 200)

        let token = TokenRequest(url: "http://127.0.0.1:9/token", form: [], timeout: .seconds(5), secrets: [])
        let requests = [
            request("list", .list), request("read", .read), token.transportRequest, request("stop", .stop),
        ]
        var senders: [Task<Int, any Error>] = []
        for request in requests {
            let asked = limiter.arrivals
            senders.append(Task { try await transport.send(request).status })
            try await withBound(.seconds(30), "\(request) to ask") { await limiter.waitForArrivals(asked + 1) }
        }
        for second in 1...requests.count {
            try await Self.sleeper(clock)
            #expect(clock.earliestDeadline == start.addingTimeInterval(Double(second)))
            clock.advance(to: start.addingTimeInterval(Double(second)))
            try await withBound(.seconds(30), "request \(second) to be sent") { await inner.wait(for: second + 1) }
        }
        for sender in senders {
            #expect(try await sender.value == 200)
        }
        #expect(inner.paths == ["/first", "/token", "/stop", "/read", "/list"])
    }

    @Test("stops and token requests wait in the stop lane, a task read in the read lane, a list page in the list lane")
    func lanesOfRequestsAndEndpoints() async throws {
        #expect(RequestLane.allCases == [.stop, .read, .list])
        #expect(RequestLane.stop < .read && RequestLane.read < .list)
        let id = "550e8400-e29b-41d4-a716-446655440000"
        #expect(MaiaEndpoint.stop(taskID: id).lane == .stop)
        #expect(MaiaEndpoint.task(id: id).lane == .read)
        #expect(MaiaEndpoint.runningTasks(page: 0, size: 10).lane == .list)
        #expect(MaiaRequest(method: .GET, url: "http://127.0.0.1:9/", timeout: .seconds(1)).lane == .stop)
        let token = TokenRequest(url: "http://127.0.0.1:9/token", form: [], timeout: .seconds(1), secrets: [])
        #expect(token.transportRequest.lane == .stop)

        // The client puts the endpoint's lane on the request it sends.
        let inner = RecordingTransport()
        let client = MaiaAPIClient(
            baseURL: "http://127.0.0.1:9", requestTimeout: .seconds(1), transport: inner, tokens: FixedToken())
        _ = await client.send(.runningTasks(page: 0, size: 10))
        _ = await client.send(.task(id: id))
        _ = await client.stop(taskID: id)
        #expect(inner.lanes == [.list, .read, .stop])
    }
}

/// An inner transport that records what it is sent and answers 200 with an empty body.
private final class RecordingTransport: MaiaTransport {
    private struct State {
        var sent: [MaiaRequest] = []
        var nextID = 0
        var waiters: [Int: (count: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
    }
    private let state = Mutex(State())

    var paths: [String] { self.state.withLock { $0.sent.map { URL(string: $0.url)?.path ?? $0.url } } }
    var lanes: [RequestLane] { self.state.withLock { $0.sent.map(\.lane) } }

    func send(_ request: MaiaRequest) async throws(MaiaTransportError) -> MaiaResponse {
        let ready = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.sent.append(request)
            let count = state.sent.count
            let ids = state.waiters.filter { $0.value.count <= count }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for waiter in ready { waiter.resume() }
        return MaiaResponse(status: 200)
    }

    /// Returns once `count` requests have been sent, or when the calling task is cancelled.
    func wait(for count: Int) async {
        let id = self.state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state -> Bool in
                    if state.sent.count >= count || Task.isCancelled { return true }
                    state.waiters[id] = (count, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }
}

/// A token provider that always has the same token.
private struct FixedToken: TokenProvider {
    func token() async throws(TokenError) -> String { "token" }
    func invalidate(_ token: String) async {}
}
