import NIOCore
import WatchdogCore
import WatchdogProtocol

/// What the control socket's framing yields: a request line (without `\n`), or the news that a
/// line grew past the limit (after which the connection is closed and nothing more is read).
enum ControlLine: Sendable {
    case line(ByteBuffer)
    case tooLong
}

/// Splits the byte stream into `\n`-terminated lines of at most `ControlProtocol.maxLineBytes`
/// (plus an optional `\r`). It never buffers more than one line's worth of an incomplete line.
///
/// Lines come out in batches: every complete line of what one read brought, in one message, so
/// that the connection hands a pipelining client's lines to the enforcer together.
struct ControlLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = [ControlLine]

    private var scanned = 0
    private var overflowed = false
    /// A line may carry a `\r` before its `\n` that does not count against the limit.
    private let limit = ControlProtocol.maxLineBytes + 1

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var batch: [ControlLine] = []
        while let line = next(&buffer) {
            batch.append(line)
            if case .tooLong = line { break }
        }
        guard !batch.isEmpty else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(batch))
        return overflowed ? .needMoreData : .continue
    }

    /// The next complete line (or the news that the line is too long), if the buffer holds one.
    private mutating func next(_ buffer: inout ByteBuffer) -> ControlLine? {
        if overflowed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return nil
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
                return overflow(&buffer)
            }
            return .line(line)
        }
        scanned = view.count
        if view.count > limit {
            return overflow(&buffer)
        }
        return nil
    }

    private mutating func overflow(_ buffer: inout ByteBuffer) -> ControlLine {
        overflowed = true
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .tooLong
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
            context.fireChannelRead(Self.wrapInboundOut([.line(line)]))
        }
        return .needMoreData
    }
}
