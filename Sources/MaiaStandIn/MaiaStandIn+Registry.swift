import Foundation
import Synchronization

/// The task registry's test API: tasks, their scripted reads and statuses, missing and resumed tasks, list pages.
/// Task IDs are compared case-insensitively throughout.
extension MaiaStandIn {
    /// The task as the registry has it now (without applying a stop progression that is due), or `nil` when it is not
    /// known or marked missing.
    public func task(_ taskID: String) -> StandInTask? {
        self.core.state.withLock { $0.registry.task(taskID.lowercased()) }
    }

    /// Every known task, in list order (ascending lower-case `taskId`).
    public var tasks: [StandInTask] {
        self.core.state.withLock { state in
            state.registry.orderedKeys.compactMap { state.registry.task($0) }
        }
    }

    /// Registers `count` new tasks with random (lower-case UUID) IDs, all with `status`, `projectID` (default: the
    /// registry's) and `createdAt` (default: the registry's now), in one step; returns their IDs in list order.
    @discardableResult
    public func addTasks(
        count: Int, status: String = "RUNNING", projectID: String? = nil, createdAt: Date? = nil
    ) -> [String] {
        let createdAt = createdAt ?? self.core.now()
        let ids = (0..<max(count, 0)).map { _ in UUID().uuidString.lowercased() }
        self.core.state.withLock { state in
            let project = projectID ?? state.registry.configuration.projectID
            for id in ids {
                state.registry.set(StandInTask(taskID: id, status: status, createdAt: createdAt, projectID: project))
            }
        }
        return ids.sorted()
    }

    /// Sets a task's status now (`modifiedAt` too, when it changes), creating the task (`RUNNING` first, created now)
    /// if it is not known; a status other than `STOPPING` ends a stop in progress. Does nothing to a missing task.
    public func setStatus(_ taskID: String, _ status: String) {
        let now = self.core.now()
        self.core.state.withLock { state in
            state.registry.ensure(taskID, now: now)
            state.registry.setStatus(taskID.lowercased(), status, now: now)
        }
    }

    /// Queues statuses for the task's next reads, after any already queued: each read answered from the registry
    /// takes the next one as the task's status (and answers it); afterwards reads answer the registry's status, which
    /// is the last one taken. Any text is passed through, e.g. `PAUSED`. Makes the task known (`RUNNING`, created
    /// now) if it is neither known nor missing.
    public func scriptStatuses(_ taskID: String, _ statuses: [String]) {
        let now = self.core.now()
        self.core.state.withLock { state in
            state.registry.ensure(taskID, now: now)
            state.registry.statusScripts[taskID.lowercased(), default: []] += statuses
        }
    }

    /// Queues answers for the task's next reads (that pass authentication and the UUID check), after any already
    /// queued; each read consumes one. A 2xx (``ScriptedAnswer/fromRegistry``, also inside ``ScriptedAnswer/held(_:)``
    /// or ``ScriptedAnswer/delayed(_:_:)``) answers from the registry, so failures and good reads interleave; any
    /// other answer is sent as it is (e.g. `.status(502)`, `.status(429, retryAfter: "3")`, `.dropConnection`), even
    /// for a missing task, and leaves the task alone. When they run out, reads answer from the registry.
    public func scriptReads(_ taskID: String, _ answers: [ScriptedAnswer]) {
        self.core.state.withLock { $0.registry.readScripts[taskID.lowercased(), default: []] += answers }
    }

    /// Queues answers for the next list requests (that pass authentication and have a valid query), after any
    /// already queued; each consumes one. A 2xx answers the page from the registry; any other answer is sent as it is.
    public func scriptList(_ answers: [ScriptedAnswer]) {
        self.core.state.withLock { $0.registry.listScript += answers }
    }

    /// Marks a task missing, whether it was known or not: it is forgotten, lists leave it out, and reads and stops of
    /// it are 404 with a problem body (scripted answers still win), and it is not created again by a mention, until
    /// ``setTask(_:)`` brings it back.
    public func removeTask(_ taskID: String) {
        self.core.state.withLock { $0.registry.remove(taskID) }
    }

    /// Resumes a task, as a person does in Maia: `RUNNING` again, `createdAt` kept (Maia keeps it), a stop in
    /// progress forgotten. Returns `false` (and does nothing) when the task is not known or is missing.
    @discardableResult
    public func resume(_ taskID: String) -> Bool {
        let now = self.core.now()
        return self.core.state.withLock { $0.registry.resume(taskID, now: now) }
    }

    /// Sets how a task that accepted a stop becomes `STOPPED`: for `taskID` (a known task; `nil` progression goes
    /// back to the registry's), or for every task without its own when `taskID` is `nil`. A stop already in progress
    /// follows the new progression from its next read.
    public func setStopProgress(_ progress: StopProgress?, for taskID: String? = nil) {
        self.core.state.withLock { state in
            if let taskID {
                state.registry.setProgress(progress, for: taskID)
            } else {
                state.registry.configuration.stopProgress = progress ?? .default
            }
        }
    }

    /// Turns ``TaskRegistryConfiguration/createsTasksOnMention`` on or off from the next request.
    public func setCreatesTasksOnMention(_ creates: Bool) {
        self.core.state.withLock { $0.registry.configuration.createsTasksOnMention = creates }
    }

    /// The requests so far of `kind` (and for `taskID` when given), in order of arrival.
    public func requests(_ kind: RequestKind, for taskID: String? = nil) -> [RecordedRequest] {
        let filter = RequestFilter(kind: kind, taskID: taskID)
        return self.core.state.withLock { filter.select($0.requests) }
    }

    /// The stop requests for `taskID` so far, in order.
    public func stops(for taskID: String) -> [RecordedRequest] {
        self.requests(.stop, for: taskID)
    }

    /// The read requests for `taskID` so far, in order.
    public func reads(for taskID: String) -> [RecordedRequest] {
        self.requests(.read, for: taskID)
    }

    /// The list requests so far, in order; ``RecordedRequest/query(_:)`` gives their `page`, `size` and filters.
    public var listRequests: [RecordedRequest] {
        self.requests(.list)
    }
}
