import Foundation
import Logging
import WatchdogCore

extension EnforcerService {
    // MARK: requests

    /// Serves one control-socket request from `requester`. `applied` is called once the request's
    /// effect on the tracked tasks is made and its write queued, before the answer waits for the
    /// commit: the control socket then starts the connection's next request (effects stay in
    /// order, commits overlap).
    public func handle(
        _ request: ControlRequest, from requester: Requester, applied: @Sendable () -> Void = {}
    ) async -> ControlResponse {
        defer { applied() }
        let now = clock.now()
        switch request {
        case .watch(let id, let maxRuntime, let startedAt):
            if let existing = records[id] {
                // The same ID watched concurrently: answer only once the first watch is on disk.
                guard uncommitted[id] != nil else { return .task(existing) }
                applied()
                await withCheckedContinuation { uncommitted[id, default: []].append($0) }
                return records[id].map { .task($0) } ?? Self.notStored(id)
            }
            switch machine.watch(id, maxRuntime: maxRuntime, startedAt: startedAt, now: now, requestedBy: requester) {
            case .failure(let error):
                logRefusal(error, id: id, requester: requester, verb: "watch")
                return .failure(error)
            case .success(let record):
                records[id] = record
                if let next = machine.nextWake(of: record) { queue.push(id, at: next) }
                var metadata = Logger.Metadata.event(.watch, task: record)
                metadata["peer.uid"] = "\(requester.uid)"
                metadata["peer.pid"] = "\(requester.pid)"
                logger.info(
                    "watching task \(id) for uid \(requester.uid) pid \(requester.pid), deadline \(record.deadline.map(RFC3339.format) ?? "none (exempt)")",
                    metadata: metadata)
                uncommitted[id] = []
                applied()
                let stored = await persist([record], removing: [])
                for waiter in uncommitted.removeValue(forKey: id) ?? [] { waiter.resume() }
                guard stored else {
                    // Never acknowledge what is not on disk.
                    if records[id]?.watchedAt == record.watchedAt { records[id] = nil }
                    reportChange()
                    return Self.notStored(id)
                }
                return await accepted(record)
            }
        case .stop(let id):
            switch machine.stopRequested(id, existing: records[id], now: now, requestedBy: requester) {
            case .failure(let error):
                logRefusal(error, id: id, requester: requester, verb: "stop")
                return .failure(error)
            case .success(let (record, action)):
                guard let action else { return .task(record) }
                records[id] = record
                var metadata = Logger.Metadata.event(.stopAttempt, task: record)
                metadata["peer.uid"] = "\(requester.uid)"
                metadata["peer.pid"] = "\(requester.pid)"
                logger.notice(
                    "stop of task \(id) requested by uid \(requester.uid) pid \(requester.pid)", metadata: metadata)
                if case .finish(.dryRun) = action { logWouldStop(record) }
                if let next = machine.nextWake(of: record) { queue.push(id, at: next) }
                applied()
                await persist([record], removing: [])
                return await accepted(record)
            }
        case .forget(let id):
            guard var record = records.removeValue(forKey: id) else {
                return .failure(ControlError(.unknownTask, "task \(id) is not tracked"))
            }
            record.state = .forgotten
            record.updatedAt = now
            var metadata = Logger.Metadata.event(.forget, task: record)
            metadata["peer.uid"] = "\(requester.uid)"
            metadata["peer.pid"] = "\(requester.pid)"
            logger.info("forgot task \(id) at the request of uid \(requester.uid)", metadata: metadata)
            applied()
            await persist([], removing: [id])
            reportChange()
            return .task(record)
        case .status(let id?):
            guard let record = records[id] else {
                return .failure(ControlError(.unknownTask, "task \(id) is not tracked"))
            }
            return .task(record)
        case .status(nil):
            return .daemon(await daemonStatus())
        case .list(let state):
            let selected = records.values.filter { state == nil || $0.state == state }
            return .tasks(selected.sorted { ($0.watchedAt, $0.id) < ($1.watchedAt, $1.id) })
        }
    }

    private static func notStored(_ id: TaskID) -> ControlResponse {
        .failure(ControlError(.unavailable, "task \(id) could not be stored; try again"))
    }

    /// Wakes the loop for a newly stored record and answers with it.
    private func accepted(_ record: TaskRecord) async -> ControlResponse {
        signal()
        reportChange()
        return .task(records[record.id] ?? record)
    }

    public func daemonStatus() async -> DaemonStatus {
        DaemonStatus(
            version: configuration.version,
            uptimeSeconds: Int((ContinuousClock.now - startInstant).components.seconds),
            policyPath: configuration.policyPath,
            policyLoadedAt: policyLoadedAt,
            counts: counts(),
            dryRun: machine.policy.dryRun,
            apiBaseURL: machine.policy.api.baseURL,
            token: await caller.tokenHealth())
    }

    /// Records per state, kept current by `TaskTable` (no walk over the records).
    public func counts() -> [TaskState: Int] { records.counts }
}
