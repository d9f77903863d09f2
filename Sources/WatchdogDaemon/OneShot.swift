import Synchronization

/// A value set once and awaited by any number of tasks (the first `fill` wins; later ones are
/// ignored). Waiting is not cancellable: whoever holds a `OneShot` must fill it.
final class OneShot<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, filled: Bool, waiters: [CheckedContinuation<Value, Never>])>(
        (nil, false, []))

    init() {}

    func fill(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, Never>] in
            guard !state.filled else { return [] }
            state.filled = true
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Value? in
                    guard state.filled else {
                        state.waiters.append(continuation)
                        return nil
                    }
                    return state.value
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}
