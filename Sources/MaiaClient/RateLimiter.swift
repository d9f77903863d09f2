import FoundationEssentials
import Glibc
import Synchronization
import WatchdogCore

/// One token bucket (``TokenBucket``) shared by every call to Maia, stops and token requests alike, with callers served
/// strictly first come, first served, and never more than `ratePerMinute` calls in any 60 seconds (``SlidingWindow``:
/// the bucket's burst is spent inside the minute, not on top of it).
///
/// A caller that finds the bucket empty joins a FIFO queue. Only the caller at the head of the queue waits on the
/// clock (until the next token accrues or a pause ends); the others wait for their turn, so calls leave in the order
/// they asked, however many are queued, with one timer. A cancelled caller leaves the queue without taking a token.
///
/// ``pause(until:)`` (a 429 with `Retry-After`) holds every caller, queued or new, until then; calls already sent are
/// not affected. A pause is capped at `maximumPause` so that one absurd `Retry-After` cannot silence the client for
/// days (the task that got the 429 still honours it in full through its own retry schedule).
public final class RateLimiter: Sendable {
    /// When and in which order a call was let through.
    public struct Grant: Sendable, Equatable {
        /// The caller's place in arrival order, from 0.
        public var arrival: UInt64
        /// The place in the order calls were let through, from 0; equal to ``arrival`` when order is kept.
        public var sequence: UInt64
        /// The clock's time when the call was let through.
        public var at: Date
    }

    private struct State {
        var bucket: TokenBucket
        var window: SlidingWindow
        var queue: [UInt64] = []
        var head = 0
        var turnWaiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var nextArrival: UInt64 = 0
        var nextSequence: UInt64 = 0
        /// Tasks in ``waitForArrivals(_:)``: how many arrivals each waits for.
        var arrivalWaiters: [UInt64: (count: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextArrivalWaiter: UInt64 = 0

        var first: UInt64? { self.head < self.queue.count ? self.queue[self.head] : nil }

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

        mutating func remove(_ ticket: UInt64) {
            if self.first == ticket {
                self.head += 1
            } else if let index = self.queue[self.head...].firstIndex(of: ticket) {
                self.queue.remove(at: index)
            }
            if self.head > 1024 && self.head * 2 > self.queue.count {
                self.queue.removeFirst(self.head)
                self.head = 0
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

    /// Callers waiting for their turn or a token.
    public var queued: Int { self.state.withLock { $0.queue.count - $0.head } }

    /// Calls that have asked so far (let through or queued).
    public var arrivals: UInt64 { self.state.withLock { $0.nextArrival } }

    /// Returns once `count` calls in all have asked (let through or queued), or when the calling task is cancelled.
    /// For tests, which wait on this event for every caller to be in line before they move the clock.
    public func waitForArrivals(_ count: UInt64) async {
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

    /// Waits until this call may go out, in arrival order. Throws `CancellationError` when the calling task is
    /// cancelled while waiting; no token is taken then.
    @discardableResult
    public func acquire() async throws -> Grant {
        enum Entry {
            case granted(Grant)
            case queued(UInt64)
        }
        let (entry, arrived) = self.state.withLock { state -> (Entry, [CheckedContinuation<Void, Never>]) in
            let arrival = state.nextArrival
            state.nextArrival += 1
            let arrived = Self.arrivalWaitersDue(&state)
            if state.first == nil, state.take(now: self.clock.now()) == nil {
                return (.granted(Self.grant(arrival, &state, now: self.clock.now())), arrived)
            }
            state.queue.append(arrival)
            return (.queued(arrival), arrived)
        }
        for waiter in arrived { waiter.resume() }
        let ticket: UInt64
        switch entry {
        case .granted(let grant):
            return grant
        case .queued(let queued):
            ticket = queued
        }
        do {
            try await self.waitForTurn(ticket)
            while true {
                enum Step {
                    case sleep(until: Date)
                    case go(Grant, next: CheckedContinuation<Void, any Error>?)
                }
                let step = try self.state.withLock { state -> Step in
                    try Task.checkCancellation()
                    let now = self.clock.now()
                    if let wake = state.take(now: now) {
                        return .sleep(until: wake)
                    }
                    let grant = Self.grant(ticket, &state, now: now)
                    return .go(grant, next: Self.handOn(ticket, &state))
                }
                switch step {
                case .sleep(let wake):
                    try await self.clock.sleep(until: wake)
                case .go(let grant, let next):
                    next?.resume()
                    return grant
                }
            }
        } catch {
            let next = self.state.withLock { Self.handOn(ticket, &$0) }
            next?.resume()
            throw error
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

    private static func grant(_ arrival: UInt64, _ state: inout State, now: Date) -> Grant {
        let grant = Grant(arrival: arrival, sequence: state.nextSequence, at: now)
        state.nextSequence += 1
        return grant
    }

    /// Removes `ticket` (let through, or cancelled) from the queue and returns the new head's turn to resume.
    private static func handOn(_ ticket: UInt64, _ state: inout State) -> CheckedContinuation<Void, any Error>? {
        state.turnWaiters[ticket] = nil
        state.remove(ticket)
        return state.first.flatMap { state.turnWaiters.removeValue(forKey: $0) }
    }

    /// Returns once `ticket` is at the head of the queue.
    private func waitForTurn(_ ticket: UInt64) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resume: Result<Void, any Error>? = self.state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.first == ticket { return .success(()) }
                    state.turnWaiters[ticket] = continuation
                    return nil
                }
                if let resume { continuation.resume(with: resume) }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.turnWaiters.removeValue(forKey: ticket) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
