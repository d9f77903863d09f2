import Foundation

/// Runs blocking work (socket loops, process waits) on a thread of its own and awaits its result,
/// so that nothing blocks the Swift concurrency pool, which the in-process stand-in does not use
/// but the awaiting code does.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// A one-shot flag a thread raises and others wait on with a bound.
final class Latch: @unchecked Sendable {
    private let condition = NSCondition()
    private var raised = false

    func raise() {
        condition.lock()
        raised = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the latch was raised before `timeout` seconds passed.
    func wait(timeout: Double) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let limit = Date(timeIntervalSinceNow: timeout)
        while !raised {
            if !condition.wait(until: limit) { return raised }
        }
        return true
    }
}

/// Thrown when a scenario cannot go on; the message says what was expected.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
