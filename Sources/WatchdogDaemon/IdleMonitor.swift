import FoundationEssentials
import Glibc
import Synchronization
import WatchdogCore

/// Tells whether the enforcer's loop is idle: waiting, nothing in flight, nothing due before a
/// known instant. Tests wait on it (with a bound) instead of sleeping; production never waits.
final class IdleMonitor: Sendable {
    private struct State {
        var idle = false
        /// While idle: the earliest wake-up (`nil`: none).
        var idleUntil: Date?
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())
    private let clock: any WallClock

    init(clock: any WallClock) {
        self.clock = clock
    }

    /// The loop is about to wait with nothing in flight; nothing is due before `until`.
    func markIdle(until: Date?) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.idle = true
            state.idleUntil = until
            guard Self.isIdle(state, now: clock.now()) else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Work arrived or the loop woke.
    func markBusy() {
        state.withLock { $0.idle = false }
    }

    /// Wakes every waiter (shutdown).
    func releaseAll() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    private static func isIdle(_ state: State, now: Date) -> Bool {
        state.idle && (state.idleUntil.map { now < $0 } ?? true)
    }

    /// Returns once the loop is idle, or when the calling task is cancelled.
    func wait() async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = clock.now()
                let resume = state.withLock { state -> Bool in
                    if Self.isIdle(state, now: now) || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resume { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
