import Foundation
import Logging
import MaiaStandIn
import Synchronization
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// What the enforcer does with the records it finds at start, and how a `watch` waits for its
/// commit.
@Suite("Recovery and acknowledgement")
struct RecoveryTests {
    static func stopping(_ id: TaskID, now: Date, nextAttemptAt: Date?) -> TaskRecord {
        TaskRecord(
            id: id, state: .stopping, watchedAt: now.addingTimeInterval(-7200),
            startedAt: now.addingTimeInterval(-7200), deadline: now.addingTimeInterval(-60),
            maxRuntime: .seconds(7140), attempts: 1, lastHTTPStatus: nextAttemptAt == nil ? nil : 502,
            updatedAt: now.addingTimeInterval(-30), requestedBy: Harness.requester,
            firstAttemptAt: now.addingTimeInterval(-60), nextAttemptAt: nextAttemptAt)
    }

    /// Stored `stopping` with no next attempt: an attempt was in flight at the crash. Retried.
    @Test func retriesAnAttemptThatWasInFlightAtTheCrash() async throws {
        let id = TaskID.random()
        let record = Self.stopping(id, now: ManualClock().now(), nextAttemptAt: nil)
        try await Harness.with(stored: [record]) { h in
            try await h.requests(1)
            try await h.idle()
            let after = await h.record(id)
            #expect(after?.state == .stopRequested)
            #expect(after?.attempts == 2)
        }
    }

    /// Stored `stopping` and backing off: the next attempt is made at its stored instant, not before.
    @Test func resumesABackoffAtItsNextAttempt() async throws {
        let id = TaskID.random()
        let now = ManualClock().now()
        let record = Self.stopping(id, now: now, nextAttemptAt: now.addingTimeInterval(30))
        try await Harness.with(stored: [record]) { h in
            try await h.idle()
            #expect(h.standIn.requests.isEmpty)
            h.clock.advance(by: .seconds(30))
            try await h.requests(1)
            try await h.idle()
            #expect(await h.record(id)?.state == .stopRequested)
        }
    }

    /// A second `watch` of a new ID while the first is being committed is answered only after
    /// that commit.
    @Test func aConcurrentWatchOfTheSameIDWaitsForTheCommit() async throws {
        let store = GatedTaskStore()
        let enforcer = Self.enforcer(store)
        let id = TaskID.random()
        let first = Task { await enforcer.handle(.watch(id, maxRuntime: nil, startedAt: nil), from: Harness.requester) }
        try await store.submitted.wait(for: 1, within: .seconds(10), "the first save")
        // The second watch, applied while the first one's commit is pending, is answered after that commit.
        let second = try await Self.secondWatch(id, enforcer)
        #expect(store.saves == 1)
        store.release(failing: false)
        guard case .task(let a) = await first.value, case .task(let b) = await second.value else {
            Issue.record("expected two records")
            return
        }
        #expect(a == b)
    }

    /// A watch whose commit fails is refused (`unavailable`), not acknowledged, and not kept.
    @Test func aWatchThatCannotBeStoredIsRefused() async throws {
        let store = GatedTaskStore()
        let enforcer = Self.enforcer(store)
        let id = TaskID.random()
        let first = Task { await enforcer.handle(.watch(id, maxRuntime: nil, startedAt: nil), from: Harness.requester) }
        try await store.submitted.wait(for: 1, within: .seconds(10), "the first save")
        // The second watch, applied while the first one's commit is pending, is answered after that commit.
        let second = try await Self.secondWatch(id, enforcer)
        store.release(failing: true)
        for response in [await first.value, await second.value] {
            guard case .failure(let error) = response else {
                Issue.record("expected a refusal, got \(response)")
                continue
            }
            #expect(error.code == .unavailable)
        }
        let status = await enforcer.handle(.status(id), from: Harness.requester)
        guard case .failure(let notTracked) = status else {
            Issue.record("the refused watch was kept: \(status)")
            return
        }
        #expect(notTracked.code == .unknownTask)
    }

    /// Applies a second watch of `id` (what `handle` does first, in one turn of the actor), checks that it waits for
    /// the commit of the first one, and returns the task that answers it (what `handle` does next).
    static func secondWatch(_ id: TaskID, _ enforcer: EnforcerService) async throws -> Task<ControlResponse, Never> {
        let pending = await enforcer.apply(
            [.success(.watch(id, maxRuntime: nil, startedAt: nil))], from: Harness.requester)
        let answer = try #require(pending.first)
        guard case .sameWatch = answer else {
            throw HarnessError.unexpected("the second watch does not wait for the first one's commit: \(answer)")
        }
        return Task {
            let response = await enforcer.answer(answer)
            await enforcer.forgetCommitted(pending)
            return response
        }
    }

    static func enforcer(_ store: some TaskStore) -> EnforcerService {
        EnforcerService(
            configuration: .init(policyPath: "/dev/null", version: "test"), policy: Harness.policy(),
            clock: ManualClock(), caller: DryRunCaller(hasToken: false), store: store,
            random: SplitMix64(seed: 1), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }
}

/// A store whose saves wait until the test releases them (successfully or with an error); ``submitted`` counts the
/// saves, for the test to wait on.
final class GatedTaskStore: TaskStore {
    private let state = Mutex<(saves: Int, gate: [StoreCommit])>((0, []))
    let submitted = EventCount()

    func loadAll() async throws -> [TaskRecord] { [] }

    func submit(saving records: [TaskRecord], removing ids: [TaskID]) -> StoreCommit {
        guard !records.isEmpty else { return .done() }
        let commit = StoreCommit()
        state.withLock {
            $0.saves += 1
            $0.gate.append(commit)
        }
        submitted.record()
        return commit
    }

    func close() async {}

    var recreatedCount: Int { 0 }

    var saves: Int { state.withLock { $0.saves } }

    func release(failing: Bool) {
        let gate = state.withLock { state in
            defer { state.gate = [] }
            return state.gate
        }
        for commit in gate {
            commit.complete(
                failing ? .failure(TaskStoreError.writeFailed(path: "gated", reason: "test")) : .success(()))
        }
    }
}
