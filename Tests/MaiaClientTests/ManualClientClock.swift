import Foundation
import MaiaClient
import Synchronization

/// A test clock that moves only when told to; sleepers wake exactly when their deadline is reached. Tests wait for
/// a sleeper to appear (an event, with a bound) instead of sleeping.
final class ManualClientClock: ClientClock {
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

    init(now: Date = Date(timeIntervalSince1970: 1_795_000_000)) {
        self.state = Mutex(State(now: now))
    }

    func now() -> Date { state.withLock { $0.now } }

    func advance(by seconds: Double) {
        advance(to: now().addingTimeInterval(seconds))
    }

    func advance(to date: Date) {
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
    var earliestDeadline: Date? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Returns once at least one task sleeps on this clock (or the calling task is cancelled).
    func waitForSleeper() async {
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

    func sleep(until deadline: Date) async throws {
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

/// A seeded generator (SplitMix64), so that backoff delays are known in advance.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum BoundError: Error {
    case timedOut(String)
}

/// Runs `operation`, failing if it takes longer than `bound` (a bound on waiting for an event, not a sleep).
func within<T: Sendable>(
    _ bound: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: bound)
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let first else { throw BoundError.timedOut(what) }
        return first
    }
}
