import CoreMetrics
import Glibc
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import WatchdogCore
import WatchdogProtocol

/// Serves the control socket: one child task per connection in a discarding task group, so a
/// failing or stuck connection never affects the server or the others. Requests on a
/// connection are answered in order, one line each. Connections are capped and idle ones closed
/// (``ConnectionLimits``).
public struct ControlSocketService: Service {
    let listener: ControlSocketListener
    let enforcer: EnforcerService
    let logger: Logger
    private let connections: Connections

    /// The open connections, shared by the connections' tasks.
    private final class Connections: Sendable {
        let table = Mutex(ConnectionTable<any Channel>())
        /// Replaced by a reload that resizes Maia's connection pool (``setLimits(_:)``).
        let limits: Mutex<ConnectionLimits>
        /// Refusals and connections closed to make room so far; the first and every 100th of each are logged, so a
        /// flood does not flood the journal.
        let refused = Atomic<Int>(0)
        let evicted = Atomic<Int>(0)

        init(limits: ConnectionLimits) {
            self.limits = Mutex(limits)
        }
    }

    public init(
        listener: ControlSocketListener, enforcer: EnforcerService, limits: ConnectionLimits, logger: Logger
    ) {
        self.listener = listener
        self.enforcer = enforcer
        self.connections = Connections(limits: limits)
        self.logger = logger
    }

    /// The limits new connections are admitted under.
    var limits: ConnectionLimits { connections.limits.withLock { $0 } }

    /// Admits new connections under `limits` from now on (a reload changed the descriptors Maia's pool may take).
    /// Connections already open stay open; while more are open than `limits` allows, new ones make room or are
    /// refused as at the cap.
    func setLimits(_ limits: ConnectionLimits) {
        connections.limits.withLock { $0 = limits }
    }

    public func run() async throws {
        let server = listener.server
        defer {
            if let path = listener.ownedPath { unlink(path) }
        }
        try await withGracefulShutdownHandler {
            try await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            // Stop accepting; connections in progress finish their current request.
            server.channel.close(promise: nil)
        }
    }

    private func serve(_ accepted: any Channel) async {
        let connection: ControlConnection
        do {
            let (channel, peer) = try await ControlConnection.adopt(accepted, idleTimeout: limits.idleTimeout)
            connection = ControlConnection(channel: channel, peer: peer)
        } catch {
            logger.debug("could not take over a control connection: \(error)")
            accepted.close(promise: nil)
            return
        }
        let peer = connection.peer
        let limits = self.limits
        let admission = connections.table.withLock {
            $0.admit(pid: peer.pid, handle: accepted, now: .now, limits: limits, exempt: peer.pid == getpid())
        }
        let id: UInt64
        switch admission {
        case .refused(let refusal):
            let reason: String
            switch refusal {
            case .tooMany: reason = "too_many"
            case .tooManyFromProcess: reason = "too_many_from_process"
            }
            enforcer.metrics.count(MetricCatalog.connectionsRefused, ("reason", reason))
            await refuse(connection, refusal)
            return
        case .admitted(let admittedID, let evicting):
            id = admittedID
            if let evicting {
                evicting.pipeline.fireUserInboundEventTriggered(LineDeadlineHandler.MakeRoom())
                let count = connections.evicted.wrappingAdd(1, ordering: .relaxed).newValue
                if count == 1 || count % 100 == 0 {
                    logger.notice(
                        "too many control connections: closed the idlest to serve pid \(peer.pid) (\(count) so far)",
                        metadata: refusedMetadata(peer))
                }
            }
        }
        let open = enforcer.metrics.connectionsOpen
        open.increment()
        defer {
            connections.table.withLock { $0.release(id) }
            open.decrement()
        }
        do {
            // On shutdown, open connections are closed too (a client that keeps its connection
            // open must not hold the daemon up); the request being served is finished first
            // unless it is still waiting for its line.
            try await cancelWhenGracefulShutdown {
                try await serveLines(connection, peer: peer) { [connections] in
                    connections.table.withLock { $0.touch(id, now: .now) }
                }
            }
        } catch {
            logger.debug("control connection from pid \(peer.pid) ended: \(error)")
        }
    }

    /// Answers a connection over the limits with one `unavailable` line and closes it.
    private func refuse(_ connection: ControlConnection, _ refusal: ConnectionTable<any Channel>.Refusal) async {
        let peer = connection.peer
        let count = connections.refused.wrappingAdd(1, ordering: .relaxed).newValue
        if count == 1 || count % 100 == 0 {
            let text = "refused a control connection from uid \(peer.uid) pid \(peer.pid): \(refusal.message)"
            logger.notice("\(text) (\(count) refused since start)", metadata: refusedMetadata(peer))
        }
        let line = ControlResponse.failure(ControlError(.unavailable, refusal.message)).jsonLine + "\n"
        try? await connection.channel.executeThenClose { _, outbound in
            try await outbound.write(ByteBuffer(string: line))
        }
    }

    /// How many answers one connection may have outstanding (waiting for their commit or to be
    /// written) before the server stops reading its lines. Checked before each read's batch, so
    /// the batch that crosses it is still served whole.
    static let pipelineDepth = 256

    /// What one read of a connection brought, applied, with the answers still to give.
    private struct Batch: Sendable {
        var answers: [EnforcerService.PendingAnswer]
    }

    /// Each read's lines are applied together, in order, in one call to the enforcer (the next
    /// read's lines start once they are applied), while their answers, which may wait for a
    /// commit, are written in order by a second task, one write a batch. So a client that
    /// pipelines watches gets them group-committed instead of paying one commit each.
    private func serveLines(
        _ connection: ControlConnection, peer: PeerCredentials, active: @escaping @Sendable () -> Void
    ) async throws {
        try await connection.channel.executeThenClose { inbound, outbound in
            // Reads were held back until the framing was installed.
            try await connection.channel.channel.setOption(ChannelOptions.autoRead, value: true).get()
            connection.channel.channel.pipeline.fireUserInboundEventTriggered(LineDeadlineHandler.Start())
            let (batches, batchSink) = AsyncStream.makeStream(of: Batch.self)
            let (written, writtenSink) = AsyncStream.makeStream(of: Int.self)
            let enforcer = self.enforcer
            try await withThrowingDiscardingTaskGroup { group in
                defer { batchSink.finish() }
                group.addTask {
                    defer { writtenSink.finish() }
                    for await batch in batches {
                        var buffer = ByteBuffer()
                        for pending in batch.answers {
                            buffer.writeString(await enforcer.answer(pending).jsonLine)
                            buffer.writeInteger(UInt8(ascii: "\n"))
                        }
                        if batch.answers.contains(where: { if case .watched = $0 { true } else { false } }) {
                            await enforcer.forgetCommitted(batch.answers)
                        }
                        try await outbound.write(buffer)
                        active()
                        writtenSink.yield(batch.answers.count)
                    }
                }
                var writtenCount = written.makeAsyncIterator()
                var outstanding = 0
                reading: for try await lines in inbound {
                    active()
                    while outstanding >= Self.pipelineDepth {
                        guard let count = await writtenCount.next() else { break reading }
                        outstanding -= count
                    }
                    var answers = await apply(lines, peer: peer)
                    let tooLong = lines.contains { if case .tooLong = $0 { true } else { false } }
                    if tooLong {
                        let error = ControlError(
                            .lineTooLong, "request line longer than \(ControlProtocol.maxLineBytes) bytes; closing")
                        answers.append(.now(.failure(error)))
                        logger.notice(
                            "closed a connection from uid \(peer.uid) pid \(peer.pid): line too long",
                            metadata: refusedMetadata(peer))
                    }
                    outstanding += answers.count
                    batchSink.yield(Batch(answers: answers))
                    if tooLong { break reading }
                }
                // Leaving the group waits for the answers already read to be written.
                batchSink.finish()
            }
        }
    }

    /// Parses the lines and applies them in one call to the enforcer; a peer the policy's
    /// `[socket]` ACL does not admit gets `permission_denied` for each.
    private func apply(_ lines: [ControlLine], peer: PeerCredentials) async -> [EnforcerService.PendingAnswer] {
        var requests: [Result<ControlRequest, ControlError>] = []
        requests.reserveCapacity(lines.count)
        for case .line(let buffer) in lines { requests.append(ControlProtocol.parse(buffer.readableBytesView)) }
        guard !requests.isEmpty else { return [] }
        let policy = await enforcer.policy
        guard policy.socket.admits(uid: peer.uid, gid: peer.gid) else {
            // The watchdog's own probe (this process) is refused like anyone, but not logged.
            if peer.pid != getpid() {
                logger.notice(
                    "refused a request from uid \(peer.uid) gid \(peer.gid) pid \(peer.pid): not in [socket] allowed_uids/allowed_gids",
                    metadata: refusedMetadata(peer))
            }
            let error = ControlError(
                .permissionDenied, "uid \(peer.uid) may not use this socket (see [socket] in the policy)")
            return requests.map { _ in .now(.failure(error)) }
        }
        return await enforcer.apply(requests, from: peer.requester)
    }

    private func refusedMetadata(_ peer: PeerCredentials) -> Logger.Metadata {
        ["event": .string(WatchdogEvent.refused.rawValue), "peer.uid": "\(peer.uid)", "peer.pid": "\(peer.pid)"]
    }
}
