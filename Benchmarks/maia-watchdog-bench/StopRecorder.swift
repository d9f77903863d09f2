import Foundation
import MaiaStandIn

/// When each stop call reached the stand-in, by task ID (wall-clock seconds, as the stand-in
/// stamps them), with a bounded wait for a number of calls.
final class StopRecorder: @unchecked Sendable {
    private let condition = NSCondition()
    private var arrivals: [(id: String, at: Double)] = []

    /// For the stand-in's `onRequest`: called on an event loop once per request.
    func record(_ request: RecordedRequest) {
        guard let id = request.taskID else { return }
        let at = request.receivedAt.timeIntervalSince1970
        condition.lock()
        arrivals.append((id, at))
        condition.broadcast()
        condition.unlock()
    }

    func reset() {
        condition.lock()
        arrivals.removeAll(keepingCapacity: true)
        condition.unlock()
    }

    /// Waits until `count` calls arrived or `timeout` seconds passed, and returns those arrived.
    func wait(for count: Int, timeout: Double) -> [(id: String, at: Double)] {
        condition.lock()
        defer { condition.unlock() }
        let limit = Date(timeIntervalSinceNow: timeout)
        while arrivals.count < count {
            if !condition.wait(until: limit) { break }
        }
        return arrivals
    }
}
