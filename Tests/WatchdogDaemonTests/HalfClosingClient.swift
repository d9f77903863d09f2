import Foundation
import Glibc
import WatchdogProtocol

/// The `echo ID | socat - UNIX-CONNECT:…` client: connects, writes its lines, shuts down its
/// sending side at once, then reads every answer until the server closes. Plain blocking POSIX
/// calls on a thread of its own, so that the end of input follows the bytes as closely as it
/// can (what NIO's own client would space out). Reads give up after 10 s of silence.
enum HalfClosingClient {
    static func exchange(_ path: String, _ text: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try run(path, text) }) }
            thread.start()
        }
    }

    private static func run(_ path: String, _ text: String) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError.unexpected("socket: \(errno)") }
        defer { close(fd) }
        // A bound on every read: a server that never answers fails the test instead of hanging it.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let address = UnixSocketAddress(path: path) else { throw HarnessError.unexpected("path: \(path)") }
        let connected = address.withSockaddr { connect(fd, $0, $1) }
        guard connected == 0 else { throw HarnessError.unexpected("connect: \(errno)") }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw HarnessError.unexpected("write: \(errno)")
        }
        shutdown(fd, Int32(SHUT_WR))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
