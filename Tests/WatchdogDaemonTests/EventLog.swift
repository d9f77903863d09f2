import Foundation
import TestSupport

/// Items arriving from elsewhere (datagrams, lines), with a bounded, cancellable wait for a
/// condition on them: what tests wait on instead of sleeping.
final class EventLog<Item: Sendable>: Sendable {
    private struct Waiter {
        var id: UUID
        var condition: @Sendable ([Item]) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    private let state = Locked<(items: [Item], waiters: [Waiter])>(([], []))

    var items: [Item] { state.withLock { $0.items } }

    func append(_ item: Item) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.items.append(item)
            let items = state.items
            let ready = state.waiters.filter { $0.condition(items) }
            state.waiters.removeAll { $0.condition(items) }
            return ready.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Waits until `condition` holds for the items so far; throws after `bound`.
    func wait(
        within bound: Duration = .seconds(30), for what: String, until condition: @escaping @Sendable ([Item]) -> Bool
    ) async throws {
        let state = self.state
        try await withBound(bound, what) {
            let id = UUID()
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let done = state.withLock { state -> Bool in
                        if condition(state.items) || Task.isCancelled { return true }
                        state.waiters.append(Waiter(id: id, condition: condition, continuation: continuation))
                        return false
                    }
                    if done { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                waiter?.continuation.resume()
            }
        }
        guard condition(items) else { throw BoundError.timedOut(what) }
    }
}
