import Foundation
import Synchronization
import WatchdogCore

/// A test clock that moves only when told to; sleepers wake exactly when their deadline is reached. Tests wait for
/// a sleeper to appear (``waitForSleeper()``, an event, under a bound) instead of sleeping. It drives the enforcer
/// and the Maia client alike (token refresh, the rate limiter), as the system clock does in production.
public final class ManualClock: WallClock {
    private struct Sleeper {
        var id: UInt64
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var nextID: UInt64 = 0
        var sleepers: [Sleeper] = []
        var sleeperWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state: Mutex<State>

    /// Creates a clock standing at `now`.
    public init(now: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        self.state = Mutex(State(now: now))
    }

    public func now() -> Date { state.withLock { $0.now } }

    /// Moves the clock forward by `duration` and wakes every sleeper whose deadline has been reached.
    public func advance(by duration: Duration) {
        advance(to: now().adding(duration))
    }

    /// Moves the clock forward by `seconds` (as `Date.addingTimeInterval` does, for tests that work in seconds).
    public func advance(by seconds: TimeInterval) {
        advance(to: now().addingTimeInterval(seconds))
    }

    /// Moves the clock to `date` (never backwards) and wakes every sleeper whose deadline has been reached.
    public func advance(to date: Date) {
        let woken = state.withLock { state -> [Sleeper] in
            if date > state.now { state.now = date }
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// The earliest deadline anyone sleeps until.
    public var earliestDeadline: Date? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    /// How many tasks sleep on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Returns once at least one task sleeps on this clock (or the calling task is cancelled).
    public func waitForSleeper() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.sleepers.isEmpty || Task.isCancelled { return true }
                    state.sleeperWaiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.sleeperWaiters.removeValue(forKey: id) }?.resume()
        }
    }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (resumeNow, waiters) = state.withLock {
                    state -> (Result<Void, any Error>?, [CheckedContinuation<Void, Never>]) in
                    if Task.isCancelled { return (.failure(CancellationError()), []) }
                    if deadline <= state.now { return (.success(()), []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    let waiters = Array(state.sleeperWaiters.values)
                    state.sleeperWaiters = [:]
                    return (nil, waiters)
                }
                if let resumeNow { continuation.resume(with: resumeNow) }
                for waiter in waiters { waiter.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }
}
