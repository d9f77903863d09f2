import NIOCore
import WatchdogCore

/// What the control socket's framing yields: a request line (without `\n`), or the news that a
/// line grew past the limit (after which the connection is closed and nothing more is read).
enum ControlLine: Sendable {
    case line(ByteBuffer)
    case tooLong
}

/// Splits the byte stream into `\n`-terminated lines of at most `ControlProtocol.maxLineBytes`
/// (plus an optional `\r`). It never buffers more than one line's worth.
struct ControlLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ControlLine

    private var scanned = 0
    private var overflowed = false
    /// A line may carry a `\r` before its `\n` that does not count against the limit.
    private let limit = ControlProtocol.maxLineBytes + 1

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if overflowed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        if let newline = view.dropFirst(scanned).firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - view.startIndex
            scanned = 0
            var line = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            if line.readableBytes > 0, line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
                line.moveWriterIndex(to: line.writerIndex - 1)
            }
            if line.readableBytes > ControlProtocol.maxLineBytes {
                return overflow(context: context, buffer: &buffer)
            }
            context.fireChannelRead(Self.wrapInboundOut(.line(line)))
            return .continue
        }
        scanned = view.count
        if view.count > limit {
            return overflow(context: context, buffer: &buffer)
        }
        return .needMoreData
    }

    private mutating func overflow(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        overflowed = true
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        context.fireChannelRead(Self.wrapInboundOut(.tooLong))
        return .needMoreData
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // A last line without `\n` at EOF is still a request.
        if try decode(context: context, buffer: &buffer) == .continue { return .continue }
        if !overflowed, buffer.readableBytes > 0 {
            var line = buffer.readSlice(length: buffer.readableBytes)!
            if line.getInteger(at: line.writerIndex - 1, as: UInt8.self) == UInt8(ascii: "\r") {
                line.moveWriterIndex(to: line.writerIndex - 1)
            }
            context.fireChannelRead(Self.wrapInboundOut(.line(line)))
        }
        return .needMoreData
    }
}
