import Synchronization

/// The commit of changes queued on a `TaskStore`: they are queued (and ordered) when the handle
/// is made, and `wait()` returns once they are on disk, or throws why they are not. One handle
/// may stand for a whole group commit; any number of tasks may wait on it.
public final class StoreCommit: Sendable {
    private let state = Mutex<(result: Result<Void, any Error>?, waiters: [CheckedContinuation<Void, any Error>])>(
        (nil, []))

    public init() {}

    /// A commit that has already happened (nothing to write, or a store that writes at once).
    public static func done() -> StoreCommit {
        let commit = StoreCommit()
        commit.complete(.success(()))
        return commit
    }

    /// Whether the outcome is known.
    public var isComplete: Bool { state.withLock { $0.result != nil } }

    /// Records the outcome and resumes every waiter; later calls are ignored.
    public func complete(_ result: Result<Void, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard state.result == nil else { return [] }
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    /// Returns once the changes are committed; throws the store's error if they could not be.
    public func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state -> Result<Void, any Error>? in
                if state.result == nil { state.waiters.append(continuation) }
                return state.result
            }
            if let result { continuation.resume(with: result) }
        }
    }
}
