import NIOCore

/// Holds what arrives on an accepted control connection (bytes, and the end of the client's input)
/// until the connection's task has installed the line framing, then passes it on in order.
///
/// Needed because NIO reads a half-closed socket to its end as soon as it sees the hang-up, even
/// with `autoRead` off: a client that writes its line and shuts down its side at once
/// (`echo ID | socat - UNIX-CONNECT:…`) would otherwise have its line read into a pipeline that
/// has no framing yet, and lost.
final class InboundHold: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var reads: [NIOAny] = []
    private var events: [Any] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reads.append(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        events.append(event)
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        let (reads, events) = (self.reads, self.events)
        self.reads = []
        self.events = []
        for data in reads { context.fireChannelRead(data) }
        if !reads.isEmpty { context.fireChannelReadComplete() }
        for event in events { context.fireUserInboundEventTriggered(event) }
        context.leavePipeline(removalToken: removalToken)
    }
}
