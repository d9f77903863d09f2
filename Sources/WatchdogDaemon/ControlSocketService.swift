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

    private func serve(_ connection: ControlConnection) async {
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

    private func serveLines(_ connection: ControlConnection, peer: PeerCredentials) async throws {
        try await connection.channel.executeThenClose { inbound, outbound in
            for try await item in inbound {
                switch item {
                case .line(let buffer):
                    let response = await respond(to: buffer, peer: peer)
                    try await outbound.write(ByteBuffer(string: response.jsonLine + "\n"))
                case .tooLong:
                    let error = ControlError(
                        .lineTooLong, "request line longer than \(ControlProtocol.maxLineBytes) bytes; closing")
                    try await outbound.write(ByteBuffer(string: ControlResponse.failure(error).jsonLine + "\n"))
                    logger.notice(
                        "closed a connection from uid \(peer.uid) pid \(peer.pid): line too long",
                        metadata: refusedMetadata(peer))
                    return
                }
            }
        }
    }

    private func respond(to line: ByteBuffer, peer: PeerCredentials) async -> ControlResponse {
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
            return await enforcer.handle(request, from: peer.requester)
        }
    }

    private func refusedMetadata(_ peer: PeerCredentials) -> Logger.Metadata {
        ["event": .string(WatchdogEvent.refused.rawValue), "peer.uid": "\(peer.uid)", "peer.pid": "\(peer.pid)"]
    }
}
