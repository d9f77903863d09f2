import Foundation
import MaiaStandIn

/// When each stop call (`POST …/tasks/{taskId}/stop`) and each task read (`GET …/tasks/{taskId}`) reached the
/// stand-in, by task ID (wall-clock seconds, as the stand-in stamps them), with bounded waits for a number of each,
/// in all or in one batch of task IDs (their first 8 characters, ``Bench/taskIDs(batch:count:)``).
final class StopRecorder: @unchecked Sendable {
    typealias Arrival = (id: String, at: Double)

    private let condition = NSCondition()
    private var arrivals: [Arrival] = []
    private var readArrivals: [Arrival] = []
    private var stopsByBatch: [String: Int] = [:]
    private var readsByBatch: [String: Int] = [:]

    /// The batch a task ID belongs to: its first 8 characters, in lower case.
    static func batch(of id: String) -> String { String(id.prefix(8)).lowercased() }

    /// For the stand-in's `onRequest`: called on an event loop once per request.
    func record(_ request: RecordedRequest) {
        guard let id = request.taskID else { return }
        let at = request.receivedAt.timeIntervalSince1970
        let isStop = request.method == "POST"
        let batch = Self.batch(of: id)
        condition.lock()
        if isStop {
            arrivals.append((id, at))
            stopsByBatch[batch, default: 0] += 1
        } else if request.method == "GET" {
            readArrivals.append((id, at))
            readsByBatch[batch, default: 0] += 1
        }
        condition.broadcast()
        condition.unlock()
    }

    /// Forgets every arrival.
    func reset() {
        condition.lock()
        arrivals.removeAll(keepingCapacity: true)
        readArrivals.removeAll(keepingCapacity: true)
        stopsByBatch = [:]
        readsByBatch = [:]
        condition.unlock()
    }

    /// Waits until `count` stop calls arrived or `timeout` seconds passed, and returns those arrived.
    func wait(for count: Int, timeout: Double) -> [Arrival] {
        waitUntil(timeout: timeout) { $0.arrivals.count >= count }
        return stops()
    }

    /// Waits until `count` stop calls for tasks of `batch` arrived or `timeout` seconds passed; returns how many did.
    func waitForStops(_ count: Int, batch: String, timeout: Double) -> Int {
        waitUntil(timeout: timeout) { $0.stopsByBatch[batch, default: 0] >= count }
        return locked { $0.stopsByBatch[batch, default: 0] }
    }

    /// Waits until `count` reads of tasks of `batch` arrived or `timeout` seconds passed; returns how many did.
    func waitForReads(_ count: Int, batch: String, timeout: Double) -> Int {
        waitUntil(timeout: timeout) { $0.readsByBatch[batch, default: 0] >= count }
        return locked { $0.readsByBatch[batch, default: 0] }
    }

    /// The stop calls so far (for tasks of `batch` when given), in order of arrival.
    func stops(batch: String? = nil) -> [Arrival] {
        locked { recorder in recorder.arrivals.filter { batch == nil || Self.batch(of: $0.id) == batch } }
    }

    /// The task reads so far (of tasks of `batch` when given), in order of arrival.
    func reads(batch: String? = nil) -> [Arrival] {
        locked { recorder in recorder.readArrivals.filter { batch == nil || Self.batch(of: $0.id) == batch } }
    }

    private func locked<T>(_ body: (StopRecorder) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(self)
    }

    private func waitUntil(timeout: Double, _ done: (StopRecorder) -> Bool) {
        condition.lock()
        defer { condition.unlock() }
        let limit = Date(timeIntervalSinceNow: timeout)
        while !done(self) {
            if !condition.wait(until: limit) { break }
        }
    }
}
