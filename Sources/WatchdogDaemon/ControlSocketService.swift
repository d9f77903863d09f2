import Glibc
import Logging
import NIOCore
import ServiceLifecycle
import WatchdogCore

/// Serves the control socket: one child task per connection in a discarding task group, so a
/// failing or stuck connection never affects the server or the others. Requests on a
/// connection are answered in order, one line each.
public struct ControlSocketService: Service {
    let listener: ControlSocketListener
    let enforcer: EnforcerService
    let logger: Logger

    public init(listener: ControlSocketListener, enforcer: EnforcerService, logger: Logger) {
        self.listener = listener
        self.enforcer = enforcer
        self.logger = logger
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
            let (channel, peer) = try await ControlConnection.adopt(accepted)
            connection = ControlConnection(channel: channel, peer: peer)
        } catch {
            logger.debug("could not take over a control connection: \(error)")
            accepted.close(promise: nil)
            return
        }
        let peer = connection.peer
        do {
            // On shutdown, open connections are closed too (a client that keeps its connection
            // open must not hold the daemon up); the request being served is finished first
            // unless it is still waiting for its line.
            try await cancelWhenGracefulShutdown {
                try await serveLines(connection, peer: peer)
            }
        } catch {
            logger.debug("control connection from pid \(peer.pid) ended: \(error)")
        }
    }

    /// How many answers one connection may have outstanding (waiting for their commit or to be
    /// written) before the server stops reading its lines.
    static let pipelineDepth = 256

    /// Lines are applied one after the other, in order (the next one starts once the previous
    /// one's effect is made, see `EnforcerService.handle(_:from:applied:)`), while their answers,
    /// which may wait for a commit, are written in order by a second task. So a client that
    /// pipelines watches gets them group-committed instead of paying one commit each.
    private func serveLines(_ connection: ControlConnection, peer: PeerCredentials) async throws {
        try await connection.channel.executeThenClose { inbound, outbound in
            // Reads were held back until the framing was installed.
            try await connection.channel.channel.setOption(ChannelOptions.autoRead, value: true).get()
            let (answers, answerSink) = AsyncStream.makeStream(of: OneShot<ControlResponse>.self)
            let (written, writtenSink) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingDiscardingTaskGroup { group in
                defer { answerSink.finish() }
                group.addTask {
                    defer { writtenSink.finish() }
                    for await answer in answers {
                        try await outbound.write(ByteBuffer(string: await answer.value.jsonLine + "\n"))
                        writtenSink.yield()
                    }
                }
                var writtenCount = written.makeAsyncIterator()
                var outstanding = 0
                reading: for try await item in inbound {
                    while outstanding >= Self.pipelineDepth {
                        guard await writtenCount.next() != nil else { break reading }
                        outstanding -= 1
                    }
                    outstanding += 1
                    let answer = OneShot<ControlResponse>()
                    answerSink.yield(answer)
                    switch item {
                    case .line(let buffer):
                        let applied = OneShot<Void>()
                        group.addTask {
                            answer.fill(await self.respond(to: buffer, peer: peer) { applied.fill(()) })
                            applied.fill(())
                        }
                        await applied.value
                    case .tooLong:
                        let error = ControlError(
                            .lineTooLong, "request line longer than \(ControlProtocol.maxLineBytes) bytes; closing")
                        answer.fill(.failure(error))
                        logger.notice(
                            "closed a connection from uid \(peer.uid) pid \(peer.pid): line too long",
                            metadata: refusedMetadata(peer))
                        break reading
                    }
                }
                // Leaving the group waits for the answers already read to be written.
                answerSink.finish()
            }
        }
    }

    private func respond(
        to line: ByteBuffer, peer: PeerCredentials, applied: @Sendable () -> Void
    ) async -> ControlResponse {
        let policy = await enforcer.policy
        guard policy.socket.admits(uid: peer.uid, gid: peer.gid) else {
            // The watchdog's own probe (this process) is refused like anyone, but not logged.
            if peer.pid != getpid() {
                logger.notice(
                    "refused a request from uid \(peer.uid) gid \(peer.gid) pid \(peer.pid): not in [socket] allowed_uids/allowed_gids",
                    metadata: refusedMetadata(peer))
            }
            return .failure(
                ControlError(.permissionDenied, "uid \(peer.uid) may not use this socket (see [socket] in the policy)"))
        }
        switch ControlProtocol.parse(line.readableBytesView) {
        case .failure(let error):
            return .failure(error)
        case .success(let request):
            return await enforcer.handle(request, from: peer.requester, applied: applied)
        }
    }

    private func refusedMetadata(_ peer: PeerCredentials) -> Logger.Metadata {
        ["event": .string(WatchdogEvent.refused.rawValue), "peer.uid": "\(peer.uid)", "peer.pid": "\(peer.pid)"]
    }
}
