import Foundation
import Logging
import MaiaClient
import MaiaStandIn
import ServiceLifecycle
import TestSupport
import Testing
import WatchdogCore
import WatchdogProtocol

@testable import WatchdogDaemon

/// Runs the enforcer (and, if asked, the control socket) in-process against a real Maia stand-in
/// on loopback, with a manual clock and a seeded random source.
struct Harness: Sendable {
    static let token = StandInWithToken.randomToken()
    static let requester = Requester(uid: 1000, pid: 4242)

    let standIn: MaiaStandIn
    let clock: ManualClock
    let logs: LogRecorder
    let enforcer: EnforcerService
    /// The enforcer's loop observer: what `idle()` waits on.
    let loop: IdleMonitor
    let store: InMemoryTaskStore
    let notifier: RecordingNotifier
    let directory: String
    let socketPath: String
    let policyPath: String

    static func policy(_ configure: (inout Policy) -> Void = { _ in }) -> Policy {
        var policy = Policy(maxRuntime: .finite(.seconds(45 * 60)), allow: .everyTask)
        policy.retry = .init(
            initialBackoff: .seconds(1), maxBackoff: .seconds(60), multiplier: 2, giveUpAfter: .seconds(30 * 60))
        // No task reads unless a test asks for them (ConfirmationTests): the other tests count stop calls.
        policy.runtimeOrigin = .watch
        policy.confirm.enabled = false
        configure(&policy)
        return policy
    }

    /// Starts everything (after `prepare` has scripted the stand-in), runs `body`, then shuts down gracefully. HTTP
    /// request timeouts run on `timeoutClock`: the system clock, unless a test hands in a manual one to fire a timeout when it says (the enforcer's `clock` is
    /// another, so that moving it to a deadline does not time out a request in flight).
    static func with(
        policy: Policy = Harness.policy(),
        seed: UInt64 = 1,
        socket: Bool = false,
        connectionLimits: ConnectionLimits = .standard(descriptorLimit: 1024),
        stored: [TaskRecord] = [],
        requestTimeout: Duration = .seconds(5),
        timeoutClock: any WallClock = SystemWallClock(),
        prepare: (MaiaStandIn) -> Void = { _ in },
        _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let maia = try await StandInWithToken.start(in: directory, token: token)
        let standIn = maia.standIn
        // Before the enforcer runs: what it finds due at start is asked at once.
        prepare(standIn)
        let clock = ManualClock()
        let logs = LogRecorder()
        let logger = logs.logger()
        var policy = policy
        policy.api.baseURL = standIn.baseURL
        policy.api.requestTimeout = requestTimeout
        let transport = HTTPTransport(version: "test", logger: logger, clock: timeoutClock)
        let caller = MaiaAPICaller(
            client: MaiaAPIClient(
                baseURL: standIn.baseURL, requestTimeout: requestTimeout, transport: transport,
                tokens: StaticTokenProvider(file: maia.tokenFile)),
            clock: clock, health: TokenHealthTracker(.ok))
        let store = InMemoryTaskStore(stored)
        let notifier = RecordingNotifier()
        let policyPath = "\(directory)/policy.toml"
        let loop = IdleMonitor(clock: clock)
        let enforcer = EnforcerService(
            configuration: .init(policyPath: policyPath, version: "test"), policy: policy, clock: clock,
            caller: caller, store: store, random: SplitMix64(seed: seed), logger: logger, observer: loop)
        try await enforcer.restore()
        let socketPath = "\(directory)/control.sock"
        var services: [any Service] = [enforcer]
        if socket {
            let listener = try await ControlSocketListener.bind(path: socketPath)
            services.append(
                ControlSocketService(listener: listener, enforcer: enforcer, limits: connectionLimits, logger: logger))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [], logger: logger))
        let harness = Harness(
            standIn: standIn, clock: clock, logs: logs, enforcer: enforcer, loop: loop, store: store,
            notifier: notifier, directory: directory, socketPath: socketPath, policyPath: policyPath)
        try await runServices(group) {
            try await body(harness)
        } cleanUp: {
            try await transport.shutdown()
            try await maia.shutdown()
        }
    }

    /// Waits (bounded) until the enforcer has nothing left to do at the current clock time.
    func idle(within bound: Duration = .seconds(10)) async throws {
        try await withBound(bound, "enforcer to become idle") { await loop.wait() }
    }

    func watch(_ id: TaskID, maxRuntime: Duration? = nil, startedAt: Date? = nil) async throws -> TaskRecord {
        let response = await enforcer.handle(
            .watch(id, maxRuntime: maxRuntime, startedAt: startedAt), from: Self.requester)
        guard case .task(let record) = response else {
            throw HarnessError.unexpected("\(response)")
        }
        return record
    }

    /// The task's record as `status ID` answers it (`nil`: not tracked).
    func record(_ id: TaskID) async -> TaskRecord? {
        guard case .task(let record) = await enforcer.handle(.status(id), from: Self.requester) else { return nil }
        return record
    }

    /// The stop attempts in flight at the loop's last wait; call after `enforcer.heartbeat()` (the hop onto the
    /// actor here comes after that turn's wait).
    func attemptsInFlight() async -> Int {
        _ = await enforcer.counts()
        return loop.stopsInFlight
    }

    /// Waits (bounded) for the stand-in to have received `count` requests in all.
    @discardableResult
    func requests(_ count: Int) async throws -> [RecordedRequest] {
        try await standIn.waitForRequests(count: count, timeout: .seconds(10))
    }
}

enum HarnessError: Error {
    case unexpected(String)
}

extension TaskID {
    /// A random task ID for a test.
    static func random() -> TaskID { TaskID(UUID().uuidString)! }
}

/// Runs `group` around `body`, shuts it down gracefully, then runs `cleanUp` whatever `body` did: an HTTP client
/// dropped without its shutdown traps, which would take a failing test's whole run down with it.
func runServices(
    _ group: ServiceGroup, _ body: () async throws -> Void, cleanUp: () async throws -> Void
) async throws {
    let outcome: Result<Void, any Error>
    do {
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body()
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    try await cleanUp()
    try outcome.get()
}
