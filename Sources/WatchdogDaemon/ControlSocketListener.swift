import FoundationEssentials
import Glibc
import NIOCore
import NIOPosix
import SystemPackage
import WatchdogProtocol

/// One accepted control connection, framed into lines, with its peer's credentials.
struct ControlConnection: Sendable {
    var channel: NIOAsyncChannel<[ControlLine], ByteBuffer>
    var peer: PeerCredentials

    /// Takes over an accepted channel: reads its peer's credentials, installs the line framing and
    /// the async wrapper, then lets reads flow. Done here, in the connection's own task, rather than
    /// in the accept path: NIO traps when a wrapped channel is dropped without `executeThenClose`,
    /// which would happen to connections still queued when the listener closes at shutdown. A raw
    /// accepted channel can be dropped safely. Bytes read before the framing is in place (NIO reads a
    /// half-closed socket to its end even with `autoRead` off) wait in the `InboundHold`. A connection without
    /// a complete line or an answer for `idleTimeout` is closed (`LineDeadlineHandler`).
    static func adopt(_ channel: any Channel, idleTimeout: Duration) async throws -> (
        NIOAsyncChannel<[ControlLine], ByteBuffer>, PeerCredentials
    ) {
        let peer = try await PeerCredentials.of(channel).get()
        let wrapped = try await channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(ByteToMessageHandler(ControlLineDecoder()))
            try pipeline.addHandler(LineDeadlineHandler(timeout: idleTimeout))
            let wrapped = try NIOAsyncChannel<[ControlLine], ByteBuffer>(wrappingChannelSynchronously: channel)
            // Whatever arrived meanwhile now goes through the framing.
            pipeline.removeHandler(try pipeline.handler(type: InboundHold.self), promise: nil)
            return wrapped
        }.get()
        return (wrapped, peer)
    }
}

/// The listening control socket.
///
/// Binding outside systemd: the socket is bound under a temporary name in the target directory,
/// given its mode (0660), and renamed over the final path, so it never exists with a looser
/// mode and a client never sees a half-made socket. A file already at the path is replaced only
/// if nothing listens on it (a stale socket left by a crash); a live listener makes start fail.
public struct ControlSocketListener: Sendable {
    typealias Server = NIOAsyncChannel<any Channel, Never>

    let server: Server
    /// The path to unlink at shutdown (`nil` when the socket came from systemd).
    let ownedPath: String?

    /// The socket's path, whoever bound it.
    public var path: String? { ownedPath ?? server.channel.localAddress?.pathname }

    public enum BindError: Error, CustomStringConvertible {
        case inUse(String)
        case notASocket(String)
        case failed(String, String, errno: Int32)

        /// For `ERRNO=` on a failed start.
        public var errno: Int32 {
            switch self {
            case .inUse: return EADDRINUSE
            case .notASocket: return EEXIST
            case .failed(_, _, let errno): return errno
            }
        }

        public var description: String {
            switch self {
            case .inUse(let path):
                return "another maia-watchdogd is already listening on \(path)"
            case .notASocket(let path):
                return "\(path) exists and is not a socket; refusing to replace it"
            case .failed(let path, let reason, _):
                return "cannot listen on \(path): \(reason)"
            }
        }
    }

    /// Binds `path` (creating its directory with mode 0755 if missing).
    public static func bind(path: String, mode: mode_t = 0o660) async throws -> ControlSocketListener {
        let directory = FilePath(path).removingLastComponent().string
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        }
        try removeStaleSocket(at: path)
        let temporary = "\(path).\(getpid()).tmp"
        unlink(temporary)
        let server: Server
        do {
            server = try await bootstrap().bind(unixDomainSocketPath: temporary, childChannelInitializer: hold)
        } catch {
            throw BindError.failed(path, "\(error)", errno: (error as? IOError)?.errnoCode ?? EIO)
        }
        guard chmod(temporary, mode) == 0, rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            try? await server.channel.close()
            throw BindError.failed(path, String(cString: strerror(code)), errno: code)
        }
        return ControlSocketListener(server: server, ownedPath: path)
    }

    /// Adopts a listening socket passed by the service manager (`LISTEN_FDS`); it is never unlinked.
    public static func adopt(descriptor: CInt) async throws -> ControlSocketListener {
        let server: Server = try await bootstrap().bind(
            descriptor, cleanupExistingSocketFile: false, childChannelInitializer: hold)
        return ControlSocketListener(server: server, ownedPath: nil)
    }

    /// Installs the `InboundHold` on an accepted connection (on its event loop, before any read).
    @Sendable private static func hold(_ channel: any Channel) -> EventLoopFuture<any Channel> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(InboundHold())
            return channel
        }
    }

    private static func bootstrap() -> ServerBootstrap {
        ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Off until the connection's task has installed the framing (see ControlConnection.adopt).
            .childChannelOption(.autoRead, value: false)
    }

    /// Removes `path` if it is a socket nobody listens on; throws if someone does.
    static func removeStaleSocket(at path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw BindError.notASocket(path) }
        if isListening(path) { throw BindError.inUse(path) }
        unlink(path)
    }

    /// Whether a connect to `path` succeeds (someone is listening).
    static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard let address = UnixSocketAddress(path: path) else { return false }
        let result = address.withSockaddr { connect(fd, $0, $1) }
        return result == 0
    }
}
