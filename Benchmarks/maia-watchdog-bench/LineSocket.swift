import Glibc

/// A blocking client connection to a stream Unix socket, writing request lines and reading answer
/// lines. Plain POSIX calls: the load generator must cost as little as possible beside the daemon.
///
/// `@unchecked Sendable`: in a pipelined run one thread only writes and another only reads (and
/// only the reader touches the buffer).
final class LineSocket: @unchecked Sendable {
    let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError("socket: errno \(errno)") }
        let descriptor = self.descriptor
        let connected = try withUnixAddress(path) { connect(descriptor, $0, $1) }
        guard connected == 0 else {
            // (deinit closes the descriptor: every stored property is set by now)
            throw BenchError("connect \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { Glibc.close(descriptor) }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            guard written > 0 else { throw BenchError("write: errno \(errno)") }
            offset += written
        }
    }

    /// Closes the sending side, so the server sees end of input.
    func finishWriting() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Reads the next answer line and returns whether it starts with `prefix`; throws at end of
    /// input.
    func readLine(expecting prefix: [UInt8]) throws -> Bool {
        while true {
            if let newline = buffer[start..<end].firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[start..<newline]
                start = newline + 1
                return prefix.isEmpty || line.starts(with: prefix)
            }
            if start > 0 {
                buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
                end -= start
                start = 0
            }
            if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let count = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(descriptor, raw.baseAddress! + end, raw.count - end)
            }
            guard count > 0 else { throw BenchError("the server closed the connection") }
            end += count
        }
    }
}
