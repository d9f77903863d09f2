import FoundationEssentials
import Glibc
import Logging
import WatchdogCore
import WatchdogProtocol

extension EnforcerService {
    // MARK: requests

    /// What is left of a request once its effect on the tracked tasks is made: its answer, which
    /// may have to wait for the commit of what the request changed.
    public enum PendingAnswer: Sendable {
        /// Nothing to wait for.
        case now(ControlResponse)
        /// The answer, once `commit` is done (whether or not it succeeded).
        case afterCommit(StoreCommit, ControlResponse)
        /// A new watch: acknowledged only once on disk; `unavailable` if the store refused it.
        case watched(StoreCommit, TaskRecord)
        /// A watch of a task whose own first watch is still being committed (by another request).
        case sameWatch(StoreCommit, TaskID)
        /// `status` of the daemon (the token's health is asked of the stop caller).
        case daemonStatus
    }

    /// Serves one control-socket request from `requester`, and returns once it can be answered.
    public func handle(_ request: ControlRequest, from requester: Requester) async -> ControlResponse {
        let pending = apply([.success(request)], from: requester)
        let response = await answer(pending[0])
        forgetCommitted(pending)
        return response
    }

    /// Applies a batch of requests (the lines one read brought) in order, in one turn of the
    /// actor, queuing their writes; returns what each must wait for before it is answered (see
    /// `answer(_:)`). So a client that pipelines watches gets them group-committed and pays one
    /// hop to the enforcer a batch rather than a line.
    public func apply(
        _ requests: [Result<ControlRequest, ControlError>], from requester: Requester
    ) -> [PendingAnswer] {
        var changed = false
        let answers = requests.map { request -> PendingAnswer in
            switch request {
            case .failure(let error): return .now(.failure(error))
            case .success(let request): return apply(request, from: requester, changed: &changed)
            }
        }
        if changed {
            signal()
            reportChange()
        }
        return answers
    }

    /// The answer to a request applied by `apply(_:from:)`, once it may be given.
    public nonisolated func answer(_ pending: PendingAnswer) async -> ControlResponse {
        switch pending {
        case .now(let response):
            return response
        case .afterCommit(let commit, let response):
            await settle(commit)
            return response
        case .watched(let commit, let record):
            if await settle(commit) { return .task(record) }
            return await notStored(record)
        case .sameWatch(let commit, let id):
            do {
                try await commit.wait()
                return await committedRecord(id)
            } catch {
                // The first watch could not be stored (it takes the record back itself).
                return Self.notStored(id)
            }
        case .daemonStatus:
            return .daemon(await daemonStatus())
        }
    }

    /// Lets go of the commits of answered watches (kept so that a concurrent watch of the same
    /// ID waits for them).
    public func forgetCommitted(_ answers: [PendingAnswer]) {
        for case .watched(let commit, let record) in answers where uncommitted[record.id] === commit {
            uncommitted[record.id] = nil
        }
    }

    private func apply(_ request: ControlRequest, from requester: Requester, changed: inout Bool) -> PendingAnswer {
        let now = clock.now()
        switch request {
        case .watch(let id, let maxRuntime, let startedAt):
            if let existing = records[id] {
                // The same ID watched concurrently: answer only once the first watch is on disk.
                guard let commit = uncommitted[id], !commit.isComplete else { return .now(.task(existing)) }
                return .sameWatch(commit, id)
            }
            switch machine.watch(id, maxRuntime: maxRuntime, startedAt: startedAt, now: now, requestedBy: requester) {
            case .failure(let error):
                logRefusal(error, id: id, requester: requester, verb: "watch")
                return .now(.failure(error))
            case .success(let record):
                records[id] = record
                if let next = machine.nextWake(of: record) { queue.push(id, at: next) }
                var metadata = Logger.Metadata.event(.watch, task: record)
                metadata["peer.uid"] = "\(requester.uid)"
                metadata["peer.pid"] = "\(requester.pid)"
                logger.info(
                    "watching task \(id) for uid \(requester.uid) pid \(requester.pid), deadline \(record.deadline.map(RFC3339.format) ?? "none (exempt)")",
                    metadata: metadata)
                let commit = store.submit(saving: [record], removing: [])
                uncommitted[id] = commit
                changed = true
                return .watched(commit, record)
            }
        case .stop(let id):
            switch machine.stopRequested(id, existing: records[id], now: now, requestedBy: requester) {
            case .failure(let error):
                logRefusal(error, id: id, requester: requester, verb: "stop")
                return .now(.failure(error))
            case .success(let (record, action)):
                guard let action else { return .now(.task(record)) }
                records[id] = record
                var metadata = Logger.Metadata.event(.stopAttempt, task: record)
                metadata["peer.uid"] = "\(requester.uid)"
                metadata["peer.pid"] = "\(requester.pid)"
                logger.notice(
                    "stop of task \(id) requested by uid \(requester.uid) pid \(requester.pid)", metadata: metadata)
                if case .finish(.dryRun) = action { logWouldStop(record) }
                if let next = machine.nextWake(of: record) { queue.push(id, at: next) }
                changed = true
                return .afterCommit(store.submit(saving: [record], removing: []), .task(record))
            }
        case .forget(let id):
            guard var record = records.removeValue(forKey: id) else {
                return .now(.failure(ControlError(.unknownTask, "task \(id) is not tracked")))
            }
            record.state = .forgotten
            record.updatedAt = now
            var metadata = Logger.Metadata.event(.forget, task: record)
            metadata["peer.uid"] = "\(requester.uid)"
            metadata["peer.pid"] = "\(requester.pid)"
            logger.info("forgot task \(id) at the request of uid \(requester.uid)", metadata: metadata)
            changed = true
            return .afterCommit(store.submit(saving: [], removing: [id]), .task(record))
        case .status(let id?):
            guard let record = records[id] else {
                return .now(.failure(ControlError(.unknownTask, "task \(id) is not tracked")))
            }
            return .now(.task(record))
        case .status(nil):
            return .daemonStatus
        case .list(let state):
            let selected = records.values.filter { state == nil || $0.state == state }
            return .now(.tasks(selected.sorted { ($0.watchedAt, $0.id) < ($1.watchedAt, $1.id) }))
        }
    }

    /// A watch the store refused: never acknowledge what is not on disk.
    private func notStored(_ record: TaskRecord) -> ControlResponse {
        if records[record.id]?.watchedAt == record.watchedAt {
            records[record.id] = nil
            reportChange()
        }
        if uncommitted[record.id] != nil { uncommitted[record.id] = nil }
        return Self.notStored(record.id)
    }

    private func committedRecord(_ id: TaskID) -> ControlResponse {
        records[id].map { .task($0) } ?? Self.notStored(id)
    }

    private static func notStored(_ id: TaskID) -> ControlResponse {
        .failure(ControlError(.unavailable, "task \(id) could not be stored; try again"))
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
            token: await caller.tokenHealth(), storeRecreated: store.recreatedCount)
    }

    /// Records per state, kept current by `TaskTable` (no walk over the records).
    public func counts() -> [TaskState: Int] { records.counts }
}
