import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback stand-in for Maia's AI Agent Task endpoints (stop, read, list) and its token endpoint: a real HTTP/1.1
/// server (SwiftNIO) that follows the OpenAPI descriptions, answers as scripted per task, and records every request.
///
/// Validation happens in the order a real gateway would: unknown path → 404, wrong method → 405, missing or unknown
/// bearer token → 401, a `taskId` that is not a UUID → 400; then, for a stop, the task's next scripted answer, else
/// 404 for a task marked missing, 409 for a task that is not running, else the default (initially 204). Every error has an `application/problem+json` body `{type,title,status,detail,instance,violations}`.
/// Connections are kept alive unless the client asks otherwise.
///
/// The task reads (`GET …/tasks/{taskId}` and `GET …/tasks?status=&page=&size=&projectId=`,
/// `maia-agent-tasks.openapi.yaml`) answer from a task registry after the same 404/405/401 checks (and 400 for a
/// `taskId` that is not a UUID, or a `page` or `size` out of range). The registry holds the tasks set with
/// ``setTask(_:)`` or ``addTasks(count:status:projectID:createdAt:)``, and, with
/// ``TaskRegistryConfiguration/createsTasksOnMention``, every task a stop or a read names: an accepted stop (204)
/// makes a `RUNNING` task `STOPPING`, which becomes `STOPPED` as ``StopProgress`` says, and a stop of a task that is
/// not running is 409 (a scripted stop answer still wins). Reads and list pages can be scripted too
/// (``scriptReads(_:_:)``, ``scriptStatuses(_:_:)``, ``scriptList(_:)``). See `MaiaStandIn+Registry.swift`. A
/// request changes the registry when its answer is decided, on arrival, also when the answer is delayed or held.
public final class MaiaStandIn: Sendable {
    let core: StandInCore
    private let channel: any Channel
    private let eventLoopGroup: any EventLoopGroup
    /// The base URL to configure clients with, e.g. `http://127.0.0.1:41234/dpc`.
    public let baseURL: String
    /// The port actually bound (useful when started with port 0).
    public let port: Int
    /// The token endpoint's URL when started with one, e.g. `http://127.0.0.1:41234/oauth/dpc/token`.
    public let tokenURL: String?

    private init(
        core: StandInCore, channel: any Channel, group: any EventLoopGroup, baseURL: String, port: Int,
        tokenURL: String?
    ) {
        self.tokenURL = tokenURL
        self.core = core
        self.channel = channel
        self.eventLoopGroup = group
        self.baseURL = baseURL
        self.port = port
    }

    /// Starts a stand-in listening on `host:port` (port 0 picks a free one) with the API under `basePath`.
    /// `registry` says how tasks are known and change (by default only tasks set or added explicitly are known: pass
    /// ``TaskRegistryConfiguration/maia`` for tasks created on first mention). `onRequest` is called once per request
    /// (on an event loop; keep it quick), e.g. to log it.
    public static func start(
        host: String = "127.0.0.1",
        port: Int = 0,
        basePath: String = "/dpc",
        acceptedTokens: Set<String> = ["test-token"],
        tokenEndpoint: TokenEndpointConfiguration? = nil,
        registry: TaskRegistryConfiguration = .setTasksOnly,
        onRequest: (@Sendable (RecordedRequest) -> Void)? = nil
    ) async throws -> MaiaStandIn {
        let basePath = "/" + basePath.split(separator: "/").joined(separator: "/")
        let normalizedBase = basePath == "/" ? "" : basePath
        let core = StandInCore(
            basePath: normalizedBase, acceptedTokens: acceptedTokens, tokenEndpoint: tokenEndpoint,
            registry: registry, onRequest: onRequest)
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                core.register(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StandInHandler(core: core))
                }
            }
            .bind(host: host, port: port)
            .get()
        let boundPort = channel.localAddress?.port ?? port
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return MaiaStandIn(
            core: core,
            channel: channel,
            group: group,
            baseURL: "http://\(hostPart):\(boundPort)\(normalizedBase)",
            port: boundPort,
            tokenURL: tokenEndpoint.map {
                "http://\(hostPart):\(boundPort)/" + $0.path.split(separator: "/").joined(separator: "/")
            }
        )
    }

    /// Queues `answers` for `taskID` (compared case-insensitively), after any already queued. Each request for the
    /// task that passes validation consumes one; when they run out, the default answer applies.
    public func script(_ taskID: String, _ answers: [ScriptedAnswer]) {
        self.core.state.withLock { $0.scripts[taskID.lowercased(), default: []] += answers }
    }

    /// Makes `task` known to the registry as given, `createdAt` included (replacing a task with its ID, forgetting a
    /// stop in progress, and bringing back a task marked missing): `GET …/tasks/{taskId}` answers it, `GET …/tasks`
    /// lists it, and stops change it.
    public func setTask(_ task: StandInTask) {
        self.core.state.withLock { $0.registry.set(task) }
    }

    /// Sets the answer for tasks without a scripted one (initially ``ScriptedAnswer/accepted``, 204).
    public func setDefault(_ answer: ScriptedAnswer) {
        self.core.state.withLock { $0.defaultAnswer = answer }
    }

    /// Requests whose answer is held (``ScriptedAnswer/held(_:)``) and not yet released. A request is recorded (and
    /// ``waitForRequests(count:kind:taskID:timeout:)`` returns) an instant before its answer is held.
    public var heldCount: Int {
        self.core.state.withLock { $0.held.count }
    }

    /// Sends the answers of the `count` oldest held requests. When fewer are held, the rest of the release goes to
    /// the next requests with a held answer, as they come: so a release never misses a request that has arrived but
    /// is not held yet.
    public func releaseHeld(_ count: Int = 1) {
        let released = self.core.state.withLock { state -> [@Sendable () -> Void] in
            let taken = Array(state.held.prefix(count))
            state.held.removeFirst(taken.count)
            state.releaseCredits += count - taken.count
            return taken
        }
        for send in released { send() }
    }

    /// Replaces the set of bearer tokens accepted; any other token gets 401.
    public func setAcceptedTokens(_ tokens: Set<String>) {
        self.core.state.withLock { $0.acceptedTokens = tokens }
    }

    /// Queues answers for the token endpoint's next requests (well-formed ones from the configured client), after
    /// any already queued; when they run out, the default applies.
    public func scriptToken(_ answers: [TokenAnswer]) {
        self.core.state.withLock { $0.tokenScript += answers }
    }

    /// Sets the token endpoint's answer when nothing is scripted (initially ``TokenAnswer/issue``).
    public func setDefaultTokenAnswer(_ answer: TokenAnswer) {
        self.core.state.withLock { $0.defaultTokenAnswer = answer }
    }

    /// Every token issued so far, in order.
    public var issuedTokens: [String] {
        self.core.state.withLock { $0.issuedTokens }
    }

    /// Makes every token issued so far unacceptable (the Stop endpoint answers 401 to them), as if they expired.
    public func revokeIssuedTokens() {
        self.core.state.withLock { $0.revokedTokens.formUnion($0.issuedTokens) }
    }

    /// The requests to the token endpoint so far, in order.
    public var tokenRequests: [RecordedRequest] {
        self.requests(.token)
    }

    /// Every request received so far, in order of arrival.
    public var requests: [RecordedRequest] {
        self.core.state.withLock { $0.requests }
    }

    /// Waits until at least `count` requests have arrived (of `kind` and for `taskID`, compared case-insensitively,
    /// when given) and returns all of those requests (possibly more than `count`; without a filter, every request).
    /// Woken by each arriving request, not by polling. Throws ``MaiaStandInError/timedOut(expected:received:)`` after
    /// `timeout`, `CancellationError` when the calling task is cancelled.
    public func waitForRequests(
        count: Int, kind: RequestKind? = nil, taskID: String? = nil, timeout: Duration
    ) async throws -> [RecordedRequest] {
        let filter = RequestFilter(kind: kind, taskID: taskID)
        let core = self.core
        let id = core.state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let loop = self.eventLoopGroup.any()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Outcome {
                    case ready([RecordedRequest])
                    case failed(any Error)
                    case waiting
                }
                let outcome = core.state.withLock { state -> Outcome in
                    if state.cancelledWaiters.remove(id) != nil {
                        return .failed(CancellationError())
                    }
                    let selected = filter.select(state.requests)
                    if selected.count >= count {
                        return .ready(selected)
                    }
                    if state.isShutDown {
                        return .failed(MaiaStandInError.shutDown)
                    }
                    state.waiters[id] = StandInCore.Waiter(
                        count: count, filter: filter, matched: selected.count, continuation: continuation,
                        timeout: nil)
                    return .waiting
                }
                switch outcome {
                case .ready(let requests):
                    continuation.resume(returning: requests)
                case .failed(let error):
                    continuation.resume(throwing: error)
                case .waiting:
                    let scheduled = loop.scheduleTask(in: TimeAmount(timeout)) {
                        core.failWaiter(id) { received in
                            MaiaStandInError.timedOut(expected: count, received: received)
                        }
                    }
                    core.state.withLock { state in
                        state.waiters[id]?.timeout = scheduled
                    }
                }
            }
        } onCancel: {
            core.failWaiter(id, markCancelled: true) { _ in CancellationError() }
        }
    }

    /// Stops listening, closes open connections, and fails any pending
    /// ``waitForRequests(count:kind:taskID:timeout:)``.
    public func shutdown() async throws {
        let (connections, waiters) = self.core.state.withLock { state in
            state.isShutDown = true
            let connections = Array(state.connections.values)
            let waiters = Array(state.waiters.values)
            state.connections = [:]
            state.waiters = [:]
            return (connections, waiters)
        }
        for waiter in waiters {
            waiter.timeout?.cancel()
            waiter.continuation.resume(throwing: MaiaStandInError.shutDown)
        }
        try await self.channel.close()
        for connection in connections {
            try? await connection.close()
        }
    }
}

extension StandInCore {
    /// Tracks an accepted connection until it closes, so that shutdown can close it.
    func register(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        let accepted = self.state.withLock { state -> Bool in
            guard !state.isShutDown else { return false }
            state.connections[key] = channel
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLock { $0.connections.removeValue(forKey: key) }
        }
    }

    /// Resumes waiter `id` with an error, if it is still waiting. With `markCancelled`, a waiter not registered yet
    /// is failed as soon as it registers.
    func failWaiter(_ id: Int, markCancelled: Bool = false, error: (Int) -> any Error) {
        let (waiter, received) = self.state.withLock { state in
            let waiter = state.waiters.removeValue(forKey: id)
            if waiter == nil && markCancelled {
                state.cancelledWaiters.insert(id)
            }
            return (waiter, waiter?.matched ?? 0)
        }
        guard let waiter else { return }
        waiter.timeout?.cancel()
        waiter.continuation.resume(throwing: error(received))
    }
}
