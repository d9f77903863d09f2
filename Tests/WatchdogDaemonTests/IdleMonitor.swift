import Foundation
import Synchronization
import TestSupport
import WatchdogCore
import WatchdogDaemon

/// Tells whether the enforcer's loop is idle: waiting, no stop attempt, task read or list page in flight, nothing due at
/// the clock's current time. Tests wait on it (with a bound) instead of sleeping; passed to `EnforcerService` as
/// its loop observer.
final class IdleMonitor: EnforcerLoopObserver {
    private struct State {
        var waiting = false
        /// While waiting: the earliest wake-up (`nil`: none).
        var waitingUntil: Date?
        /// At the loop's last wait: the stop attempts and task reads in flight.
        var stops = 0
        var reads = 0
        var pages = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())
    private let clock: any WallClock

    init(clock: any WallClock) {
        self.clock = clock
    }

    /// The stop attempts in flight when the loop last went to sleep. Read it after a hop onto the enforcer's actor
    /// that follows the turn in question (e.g. after `EnforcerService.heartbeat()`).
    var stopsInFlight: Int { state.withLock { $0.stops } }

    func loopWaits(until: Date?, stops: Int, reads: Int, pages: Int) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.waiting = true
            state.waitingUntil = until
            state.stops = stops
            state.reads = reads
            state.pages = pages
            guard Self.isIdle(state, now: clock.now()) else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    func loopWakes() {
        state.withLock { $0.waiting = false }
    }

    /// Wakes every waiter (shutdown): the loop will not wait again.
    func loopEnds() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    private static func isIdle(_ state: State, now: Date) -> Bool {
        state.waiting && state.stops == 0 && state.reads == 0 && state.pages == 0
            && (state.waitingUntil.map { now < $0 } ?? true)
    }

    /// Returns once the loop is idle, at shutdown, or when the calling task is cancelled.
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
