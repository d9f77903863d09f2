import NIOCore
import WatchdogCore
import WatchdogProtocol

/// Closes a control connection that brings no complete request line, and is given no answer, for `timeout`: an
/// idle client, or a slow one that holds a partial line (bytes that never end a line do not count). It writes one
/// error line first, so the client knows why. Sits after the line framing, so it sees whole lines coming in and
/// answers going out. The user event ``MakeRoom`` closes the connection the same way at once (the connection
/// table chose it, the idlest, to admit a new one).
final class LineDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = [ControlLine]
    typealias InboundOut = [ControlLine]
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Closes the connection now, with an error line saying why.
    struct MakeRoom: Sendable {}

    /// Starts the clock: sent by the connection's task once it reads, so that a busy daemon never counts its own
    /// delay in getting to a connection against the client.
    struct Start: Sendable {}

    private let timeout: TimeAmount
    private var scheduled: Scheduled<Void>?

    init(timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// The line a connection closed for its idleness gets.
    static func expiredLine(_ timeout: TimeAmount) -> String {
        let seconds = Double(timeout.nanoseconds) / 1e9
        let span = seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
        return ControlResponse.failure(
            ControlError(.badRequest, "no complete request line for \(span); closing the connection")
        ).jsonLine + "\n"
    }

    /// The line a connection closed to make room gets.
    static let madeRoomLine =
        ControlResponse.failure(
            ControlError(
                .unavailable, "too many control connections: closing this idle one to serve a new one")
        ).jsonLine + "\n"

    func handlerRemoved(context: ChannelHandlerContext) {
        cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancel()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is Start:
            if scheduled == nil, context.channel.isActive { arm(context) }
        case is MakeRoom:
            close(context, saying: Self.madeRoomLine)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if unwrapInboundIn(data).contains(where: { if case .line = $0 { true } else { false } }) { arm(context) }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        arm(context)
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        scheduled?.cancel()
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.expire(context)
        }
    }

    private func cancel() {
        scheduled?.cancel()
        scheduled = nil
    }

    private func expire(_ context: ChannelHandlerContext) {
        close(context, saying: Self.expiredLine(timeout))
    }

    private func close(_ context: ChannelHandlerContext, saying text: String) {
        cancel()
        guard context.channel.isActive else { return }
        let line = context.channel.allocator.buffer(string: text)
        context.writeAndFlush(wrapOutboundOut(line)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
