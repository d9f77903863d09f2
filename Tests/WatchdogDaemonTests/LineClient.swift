import NIOCore
import NIOPosix

/// A control-socket client for tests: a real Unix stream socket over NIO, never blocking a thread.
enum LineClient {
    /// A connected session; valid only inside `LineClient.with`.
    struct Session: ~Copyable {
        fileprivate var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        fileprivate let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

        func send(_ text: String) async throws {
            try await outbound.write(ByteBuffer(string: text))
        }

        func send(bytes: [UInt8]) async throws {
            try await outbound.write(ByteBuffer(bytes: bytes))
        }

        /// The next response line, or `nil` when the daemon closed the connection.
        mutating func readLine() async throws -> String? {
            guard let buffer = try await inbound.next() else { return nil }
            return String(buffer: buffer)
        }

        /// Sends one request line and reads its response.
        mutating func request(_ line: String) async throws -> String {
            // A refusing daemon answers at once and closes, maybe before the line is sent: read what it said.
            try? await send(line + "\n")
            guard let response = try await readLine() else { throw ClientError.closed }
            return response
        }
    }

    enum ClientError: Error { case closed }

    static func connect(_ path: String) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(unixDomainSocketPath: path) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(NewlineDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Connects to `path`, runs `body` with the session, then closes.
    static func with<T: Sendable>(
        _ path: String, _ body: (inout Session) async throws -> T
    ) async throws -> T {
        let channel = try await connect(path)
        return try await channel.executeThenClose { inbound, outbound in
            var session = Session(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&session)
        }
    }

    /// One request on a fresh connection.
    static func request(_ path: String, _ line: String) async throws -> String {
        try await with(path) { try await $0.request(line) }
    }
}

/// Splits on `\n` with no length limit (responses can be long).
struct NewlineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        let line = buffer.readSlice(length: newline - buffer.readerIndex)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }
}
