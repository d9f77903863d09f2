import FoundationEssentials
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
import WatchdogCore

/// `[metrics] listen`: serves `GET /metrics` (Prometheus' text format 0.0.4) over HTTP/1.1, on a TCP address or a
/// Unix socket (mode 0666: it reaches what a loopback port does). Every other path is 404, every other method 405.
/// Only request heads matter (a body is read and dropped). At most `maximumConnections` are open at once (more are
/// closed at once and counted), each closed after `idleTimeout` with nothing read or written.
public final class MetricsEndpointService: Service, Sendable {
    public static let maximumConnections = 16
    public static let idleTimeout: TimeAmount = .seconds(30)
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let server: any Channel
    private let ownedPath: String?
    private let logger: Logger

    /// The address bound, as a URL (`http://127.0.0.1:9464/metrics`) or a socket path.
    public let address: String

    private init(server: any Channel, ownedPath: String?, address: String, logger: Logger) {
        self.server = server
        self.ownedPath = ownedPath
        self.address = address
        self.logger = logger
    }

    /// Binds `listen` (not `.off`); a Unix socket's stale file is replaced, a live one is not.
    public static func bind(
        _ listen: Policy.MetricsListen, metrics: DaemonMetrics, logger: Logger
    ) async throws(StartFailure) -> MetricsEndpointService {
        let open = Atomic<Int>(0)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard open.add(1, ordering: .relaxed).newValue <= maximumConnections else {
                        open.subtract(1, ordering: .relaxed)
                        metrics.count(MetricCatalog.scrapeConnectionsRefused)
                        channel.close(promise: nil)
                        return
                    }
                    channel.closeFuture.whenComplete { _ in open.subtract(1, ordering: .relaxed) }
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: true)
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try pipeline.addHandler(MetricsHTTPHandler(metrics: metrics))
                }
            }
        do {
            switch listen {
            case .off:
                throw StartFailure("[metrics] listen is off", status: Daemon.ExitStatus.failure, errno: EINVAL)
            case .tcp(let host, let port):
                let channel = try await bootstrap.bind(host: host, port: port).get()
                let bound = channel.localAddress?.port ?? port
                let hostPart = host.contains(":") ? "[\(host)]" : host
                return MetricsEndpointService(
                    server: channel, ownedPath: nil, address: "http://\(hostPart):\(bound)/metrics", logger: logger)
            case .unix(let path):
                do {
                    try ControlSocketListener.removeStaleSocket(at: path)
                } catch ControlSocketListener.BindError.inUse {
                    throw StartFailure(
                        "[metrics] listen: something already listens on \(path)", status: Daemon.ExitStatus.failure,
                        errno: EADDRINUSE)
                }
                let channel = try await bootstrap.bind(unixDomainSocketPath: path).get()
                // Anyone on this host, as for a loopback port: the metrics hold no secret.
                chmod(path, 0o666)
                return MetricsEndpointService(
                    server: channel, ownedPath: path, address: "/metrics on \(path)", logger: logger)
            }
        } catch let failure as StartFailure {
            throw failure
        } catch let error as ControlSocketListener.BindError {
            throw StartFailure("[metrics] listen: \(error)", status: Daemon.ExitStatus.failure, errno: error.errno)
        } catch {
            throw StartFailure(
                "[metrics] listen: cannot listen on \(listen): \(error)", status: Daemon.ExitStatus.failure,
                errno: (error as? IOError)?.errnoCode ?? EADDRNOTAVAIL)
        }
    }

    public func run() async throws {
        let server = self.server
        logger.info("metrics served at \(address)")
        try? await withGracefulShutdownHandler {
            try await server.closeFuture.get()
        } onGracefulShutdown: {
            server.close(promise: nil)
        }
        if let ownedPath { unlink(ownedPath) }
    }
}

/// Answers each request head on one metrics connection.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: DaemonMetrics
    private var head: HTTPRequestHead?

    init(metrics: DaemonMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let status: HTTPResponseStatus
        var headers = HTTPHeaders()
        var body = ""
        if path != "/metrics" {
            status = .notFound
            body = "not found: the metrics are at /metrics\n"
        } else if head.method != .GET && head.method != .HEAD {
            status = .methodNotAllowed
            headers.add(name: "Allow", value: "GET, HEAD")
            body = "method not allowed: use GET\n"
        } else {
            status = .ok
            body = metrics.render()
        }
        headers.add(name: "Content-Type", value: status == .ok ? MetricsEndpointService.contentType : "text/plain")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
            promise: nil)
        if head.method != .HEAD {
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
