/// A bounded wait that ran out: what was awaited did not happen within its bound.
public enum BoundError: Error, CustomStringConvertible {
    case timedOut(String)

    public var description: String {
        switch self {
        case .timedOut(let what): return "timed out waiting for \(what)"
        }
    }
}

/// Runs `operation`, failing with ``BoundError/timedOut(_:)`` if it takes longer than `bound`: a bound on waiting for
/// an event, not a sleep that lets things happen. The operation is cancelled when the bound runs out.
@discardableResult
public func withBound<T: Sendable>(
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
