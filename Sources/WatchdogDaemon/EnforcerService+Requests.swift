import FoundationEssentials
import Glibc
import Logging
import WatchdogCore
import WatchdogProtocol

extension EnforcerService {
    // MARK: requests

    /// What is left of a request once its effect on the tracked tasks is made: its answer, which
    /// may have to wait for the commit of what the request changed (see `Enforcer.Answer`).
    public enum PendingAnswer: Sendable {
        /// Nothing to wait for.
        case now(ControlResponse)
        /// The answer, once `commit` is done (whether or not it succeeded).
        case afterCommit(StoreCommit, ControlResponse)
        /// A new watch: acknowledged only once on disk; `unavailable` if the store refused it.
        case watched(StoreCommit, Enforcer.CommitID, TaskRecord)
        /// A watch of a task whose own first watch is still being committed (by another request).
        case sameWatch(StoreCommit, TaskID)
        /// `status` of the daemon (the token's health is asked of the stop caller).
        case daemonStatus
        /// `metrics`, rendered when answered.
        case daemonMetrics
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
        let now = clock.now()
        let answers = requests.map { request -> PendingAnswer in
            switch request {
            case .failure(let error):
                return .now(.failure(error))
            case .success(let request):
                let (answer, effects) = enforcer.request(request, from: requester, now: now)
                let commit = execute(effects)
                changed = changed || commit != nil
                return pending(answer, commit: commit)
            }
        }
        if changed { signal() }
        return answers
    }

    private func pending(_ answer: Enforcer.Answer, commit: StoreCommit?) -> PendingAnswer {
        switch answer {
        case .now(let response):
            return .now(response)
        case .afterCommit(let response):
            return commit.map { .afterCommit($0, response) } ?? .now(response)
        case .watched(let record, let id):
            guard let commit else { return .now(.task(record)) }
            watchCommits[id] = commit
            return .watched(commit, id, record)
        case .sameWatch(let id, let first):
            guard let commit = watchCommits[first], !commit.isComplete else {
                return .now(enforcer.records[id].map { .task($0) } ?? Self.notStored(id))
            }
            return .sameWatch(commit, id)
        case .daemonStatus:
            return .daemonStatus
        case .daemonMetrics:
            return .daemonMetrics
        }
    }

    /// The answer to a request applied by `apply(_:from:)`, once it may be given.
    public nonisolated func answer(_ pending: PendingAnswer) async -> ControlResponse {
        switch pending {
        case .now(let response):
            return response
        case .afterCommit(let commit, let response):
            await settle(commit)
            return response
        case .watched(let commit, let id, let record):
            if await settle(commit) { return .task(record) }
            return await notStored(record, commit: id)
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
        case .daemonMetrics:
            return .metrics(metrics.render())
        }
    }

    /// Lets go of the commits of answered watches (kept so that a concurrent watch of the same
    /// ID waits for them).
    public func forgetCommitted(_ answers: [PendingAnswer]) {
        for case .watched(_, let id, let record) in answers {
            enforcer.watchCommitted(record, commit: id, stored: true)
            watchCommits[id] = nil
        }
    }

    /// A watch the store refused: never acknowledge what is not on disk.
    private func notStored(_ record: TaskRecord, commit: Enforcer.CommitID) -> ControlResponse {
        if enforcer.watchCommitted(record, commit: commit, stored: false) { reportChange() }
        watchCommits[commit] = nil
        return Self.notStored(record.id)
    }

    private func committedRecord(_ id: TaskID) -> ControlResponse {
        enforcer.records[id].map { .task($0) } ?? Self.notStored(id)
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
            dryRun: enforcer.policy.dryRun,
            apiBaseURL: enforcer.policy.api.baseURL,
            token: await caller.tokenHealth(), storeRecreated: store.recreatedCount,
            breakerOpenedAt: enforcer.breaker.openedAt, discoveryEnabled: enforcer.policy.discover.enabled,
            discoveryLastPassAt: enforcer.discovery.lastPassAt, discoveryLastError: enforcer.discovery.lastError)
    }

    /// Records per state, kept current by `TaskTable` (no walk over the records).
    public func counts() -> [TaskState: Int] { enforcer.records.counts }
}
