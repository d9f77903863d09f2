import Synchronization

/// A count of things that happened, which a test waits on as an event instead of polling: a test double (or an
/// observer handed to the code under test) calls ``record(_:)``, the test calls ``wait(for:within:_:)`` and resumes
/// as soon as the count reaches what it waits for, or fails when the bound runs out.
public final class EventCount: Sendable {
    private struct State {
        var count = 0
        var nextID: UInt64 = 0
        var waiters: [UInt64: (target: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
    }

    private let state = Mutex(State())

    /// Creates a count at zero.
    public init() {}

    /// The count so far.
    public var value: Int { state.withLock { $0.count } }

    /// Adds `events` to the count and wakes whoever waits for the new count or less.
    public func record(_ events: Int = 1) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count += events
            let count = state.count
            let due = state.waiters.filter { $0.value.target <= count }.map(\.key)
            return due.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once the count is at least `target`, or when the calling task is cancelled (so that a bound around
    /// it can end it).
    public func reached(_ target: Int) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.count >= target || Task.isCancelled { return true }
                    state.waiters[id] = (target, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
    }

    /// Waits until the count is at least `target`; throws ``BoundError/timedOut(_:)`` (naming `what` and the count
    /// reached) if that takes longer than `bound`.
    public func wait(for target: Int, within bound: Duration = .seconds(20), _ what: String) async throws {
        do {
            try await withBound(bound, what) { await self.reached(target) }
        } catch BoundError.timedOut {
            throw BoundError.timedOut("\(what) (\(value) of \(target))")
        }
    }
}
