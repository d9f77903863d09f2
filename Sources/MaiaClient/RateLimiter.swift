import FoundationEssentials
import Glibc
import Synchronization
import WatchdogCore

/// One token bucket (``TokenBucket``) shared by every call to Maia, stops, reads and token requests alike, never
/// letting more than `ratePerMinute` calls out in any 60 seconds (``SlidingWindow``: the bucket's burst is spent
/// inside the minute, not on top of it).
///
/// A caller that finds the bucket empty waits in the queue of its ``RequestLane``, one FIFO queue per lane. The caller
/// let through next is always the first of the most urgent lane that has one: waiting stops and token requests go
/// before waiting task reads, and task reads before list pages, whenever they arrived; within a lane, in arrival
/// order. A caller that arrives in a more urgent lane than everyone waiting takes the next token, even when a caller
/// of another lane is already waiting on the clock for it.
///
/// One waiting caller at a time, the timekeeper, waits on the clock (until the next token accrues or a pause ends),
/// however many are queued and in whatever lanes; the others wait to be told. When its time comes, the timekeeper
/// lets through as many callers as the bucket and the window allow, in lane order (itself included or not), and
/// hands the clock to the first caller still waiting. A cancelled caller leaves its queue without taking a token; a
/// cancelled timekeeper hands the clock on.
///
/// ``pause(until:)`` (a 429 with `Retry-After`) holds every caller, queued or new and in every lane, until then; calls
/// already sent are not affected. A pause is capped at `maximumPause` so that one absurd `Retry-After` cannot silence
/// the client for days (the task that got the 429 still honours it in full through its own retry schedule).
public final class RateLimiter: Sendable {
    /// When and in which order a call was let through.
    public struct Grant: Sendable, Equatable {
        /// The caller's place in arrival order (all lanes together), from 0.
        public var arrival: UInt64
        /// The place in the order calls were let through, from 0; equal to ``arrival`` when every caller was let
        /// through in arrival order (e.g. all in one lane, none cancelled).
        public var sequence: UInt64
        /// The clock's time when the call was let through.
        public var at: Date
        /// The lane the caller waited in.
        public var lane: RequestLane
    }

    /// What a queued caller is told: go, or wait on the clock for everyone until `until` and then let callers through.
    private enum Message: Sendable {
        case granted(Grant)
        case sleep(until: Date)
    }

    private typealias Delivery = (waiter: CheckedContinuation<Message, any Error>, message: Message)

    /// The callers queued in one lane, in arrival order.
    private struct LaneQueue {
        private var tickets: [UInt64] = []
        private var head = 0

        var count: Int { self.tickets.count - self.head }
        var first: UInt64? { self.head < self.tickets.count ? self.tickets[self.head] : nil }

        mutating func append(_ ticket: UInt64) {
            self.tickets.append(ticket)
        }

        mutating func remove(_ ticket: UInt64) {
            if self.first == ticket {
                self.head += 1
            } else if let index = self.tickets[self.head...].firstIndex(of: ticket) {
                self.tickets.remove(at: index)
            }
            if self.head > 1024 && self.head * 2 > self.tickets.count {
                self.tickets.removeFirst(self.head)
                self.head = 0
            }
        }
    }

    private struct State {
        var bucket: TokenBucket
        var window: SlidingWindow
        var lanes = [LaneQueue](repeating: LaneQueue(), count: RequestLane.allCases.count)
        /// Queued callers waiting to be told something (``Message``).
        var waiting: [UInt64: CheckedContinuation<Message, any Error>] = [:]
        /// Messages for callers that were not waiting yet when they were told.
        var mailbox: [UInt64: Message] = [:]
        /// The queued caller that waits on the clock; `nil` only while nobody is queued (or inside a dispatch).
        var timekeeper: UInt64?
        var nextArrival: UInt64 = 0
        var nextSequence: UInt64 = 0
        /// Tasks in ``waitForArrivals(_:)``: how many arrivals each waits for.
        var arrivalWaiters: [UInt64: (count: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextArrivalWaiter: UInt64 = 0

        /// The caller to let through next: the first of the most urgent lane that has one.
        var first: (ticket: UInt64, lane: RequestLane)? {
            for lane in RequestLane.allCases {
                if let ticket = self.lanes[lane.rawValue].first { return (ticket, lane) }
            }
            return nil
        }

        /// Lets a call go at `now` (`nil`) when both the window and the bucket allow it, taking a token and
        /// recording it; otherwise takes nothing and returns when to look again.
        mutating func take(now: Date) -> Date? {
            if let opens = self.window.earliest(now: now) {
                return opens
            }
            if let wake = self.bucket.take(now: now) {
                return wake
            }
            self.window.record(now)
            return nil
        }

        /// Unless a timekeeper is waiting on the clock, lets queued callers through in lane order while the window
        /// and the bucket allow, then makes the first caller still queued the timekeeper. Returns the waiters to
        /// resume once the lock is released.
        mutating func dispatch(now: Date) -> [Delivery] {
            guard self.timekeeper == nil else { return [] }
            var deliveries: [Delivery] = []
            while let next = self.first {
                if let wake = self.take(now: now) {
                    self.timekeeper = next.ticket
                    self.tell(next.ticket, .sleep(until: wake), &deliveries)
                    break
                }
                self.lanes[next.lane.rawValue].remove(next.ticket)
                let grant = Grant(arrival: next.ticket, sequence: self.nextSequence, at: now, lane: next.lane)
                self.nextSequence += 1
                self.tell(next.ticket, .granted(grant), &deliveries)
            }
            return deliveries
        }

        private mutating func tell(_ ticket: UInt64, _ message: Message, _ deliveries: inout [Delivery]) {
            if let waiter = self.waiting.removeValue(forKey: ticket) {
                deliveries.append((waiter, message))
            } else {
                self.mailbox[ticket] = message
            }
        }
    }

    private let state: Mutex<State>
    private let clock: any WallClock
    /// The longest a single ``pause(until:)`` holds the client.
    public let maximumPause: Duration

    /// Creates a limiter with a full bucket. `burst` defaults to ``TokenBucket/defaultBurst(ratePerMinute:)``.
    public init(
        ratePerMinute: Int,
        burst: Int? = nil,
        maximumPause: Duration = .seconds(600),
        clock: any WallClock
    ) {
        self.clock = clock
        self.maximumPause = maximumPause
        self.state = Mutex(
            State(
                bucket: TokenBucket(ratePerMinute: ratePerMinute, burst: burst, now: clock.now()),
                window: SlidingWindow(limit: ratePerMinute)))
    }

    /// The bucket's configuration and current state.
    public var bucket: TokenBucket { self.state.withLock { $0.bucket } }

    /// Callers waiting for a token, in all lanes.
    public var queued: Int { self.state.withLock { $0.lanes.reduce(0) { $0 + $1.count } } }

    /// Callers waiting for a token in `lane`.
    public func queued(in lane: RequestLane) -> Int {
        self.state.withLock { $0.lanes[lane.rawValue].count }
    }

    // MARK: for tests (`@_spi(Testing) import MaiaClient`)

    // A test that moves the clock must first know every caller is in line, and a caller that asks gives no other
    // sign: it may be let through at once or queued, and a queued caller that is not the timekeeper does not touch
    // the clock. `queued` and `queued(in:)` (which stay public, for metrics) can only be polled; this count is the
    // event to wait on. Behind SPI so that it is no part of the module's API.

    /// Calls that have asked so far (let through or queued).
    @_spi(Testing) public var arrivals: UInt64 { self.state.withLock { $0.nextArrival } }

    /// Returns once `count` calls in all have asked (let through or queued), or when the calling task is cancelled.
    /// For tests, which wait on this event for every caller to be in line before they move the clock.
    @_spi(Testing) public func waitForArrivals(_ count: UInt64) async {
        let id = self.state.withLock { state -> UInt64 in
            state.nextArrivalWaiter += 1
            return state.nextArrivalWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state -> Bool in
                    if state.nextArrival >= count || Task.isCancelled { return true }
                    state.arrivalWaiters[id] = (count, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.state.withLock { $0.arrivalWaiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    /// Waits until this call may go out in the ``RequestLane/stop`` lane (stops and token requests).
    @discardableResult
    public func acquire() async throws -> Grant {
        try await self.acquire(lane: .stop)
    }

    /// Waits until this call may go out: after every caller waiting in a more urgent lane and every earlier caller
    /// waiting in `lane`. Throws `CancellationError` when the calling task is cancelled while waiting; no token is
    /// taken then.
    @discardableResult
    public func acquire(lane: RequestLane) async throws -> Grant {
        let (ticket, told, arrived, deliveries) = self.state.withLock { state in
            let ticket = state.nextArrival
            state.nextArrival += 1
            let arrived = Self.arrivalWaitersDue(&state)
            state.lanes[lane.rawValue].append(ticket)
            let deliveries = state.dispatch(now: self.clock.now())
            return (ticket, state.mailbox.removeValue(forKey: ticket), arrived, deliveries)
        }
        for waiter in arrived { waiter.resume() }
        Self.resume(deliveries)
        do {
            return try await withTaskCancellationHandler {
                try await self.wait(ticket, told: told)
            } onCancel: {
                let waiter = self.state.withLock { state in
                    state.lanes[lane.rawValue].remove(ticket)
                    return state.waiting.removeValue(forKey: ticket)
                }
                waiter?.resume(throwing: CancellationError())
            }
        } catch {
            let deliveries = self.state.withLock { state -> [Delivery] in
                state.lanes[lane.rawValue].remove(ticket)
                state.mailbox[ticket] = nil
                guard state.timekeeper == ticket else { return [] }
                state.timekeeper = nil
                return state.dispatch(now: self.clock.now())
            }
            Self.resume(deliveries)
            throw error
        }
    }

    /// Waits as queued caller `ticket`, acting on what it is told (`told` first, if anything), until it is let
    /// through.
    private func wait(_ ticket: UInt64, told: Message?) async throws -> Grant {
        var pending = told
        while true {
            let message: Message
            if let told = pending {
                message = told
            } else {
                message = try await self.receive(ticket)
            }
            switch message {
            case .granted(let grant):
                return grant
            case .sleep(let wake):
                try await self.clock.sleep(until: wake)
                let (deliveries, mine) = self.state.withLock { state in
                    state.timekeeper = nil
                    let deliveries = state.dispatch(now: self.clock.now())
                    return (deliveries, state.mailbox.removeValue(forKey: ticket))
                }
                Self.resume(deliveries)
                pending = mine
            }
        }
    }

    /// Holds every caller until `until` (at most ``maximumPause`` from now); a later pause wins over an earlier one.
    public func pause(until: Date) {
        let now = self.clock.now()
        let capped = min(until, now.addingTimeInterval(Self.seconds(self.maximumPause)))
        self.state.withLock { $0.bucket.pause(until: capped, now: now) }
    }

    /// Removes and returns the ``waitForArrivals(_:)`` waiters whose count has been reached.
    private static func arrivalWaitersDue(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard !state.arrivalWaiters.isEmpty else { return [] }
        let arrivals = state.nextArrival
        let due = state.arrivalWaiters.filter { $0.value.count <= arrivals }.map(\.key)
        return due.compactMap { state.arrivalWaiters.removeValue(forKey: $0)?.continuation }
    }

    private static func resume(_ deliveries: [Delivery]) {
        for delivery in deliveries { delivery.waiter.resume(returning: delivery.message) }
    }

    /// Returns the next message for queued caller `ticket`; throws `CancellationError` when the calling task is
    /// cancelled (the cancellation handler in ``acquire(lane:)`` resumes a waiter that was already registered).
    private func receive(_ ticket: UInt64) async throws -> Message {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Message, any Error>) in
            let ready: Result<Message, any Error>? = self.state.withLock { state in
                if let message = state.mailbox.removeValue(forKey: ticket) { return .success(message) }
                if Task.isCancelled { return .failure(CancellationError()) }
                state.waiting[ticket] = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
