import Foundation
import Glibc
import TestSupport

/// A real `NOTIFY_SOCKET`: a datagram Unix socket that records every message sd_notify sends.
/// It reads on a thread of its own (a blocking `recv`), never on the Swift concurrency pool.
/// (NIO's datagram channel cannot take datagrams from unnamed Unix senders, which is what
/// sd_notify uses.)
final class NotifyListener: Sendable {
    /// A datagram and the `CLOCK_MONOTONIC` time (µs) it was read at.
    struct Received: Sendable {
        var text: String
        var microseconds: UInt64
    }

    let path: String
    let messages = EventLog<String>()
    /// The same datagrams with the time each was read; recorded before it appears in ``messages``.
    let received = EventLog<Received>()
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    static func start(path: String) async throws -> NotifyListener {
        let fd = try UnixSocketFile.bound(to: path, type: Int32(SOCK_DGRAM.rawValue))
        let listener = NotifyListener(path: path, descriptor: fd)
        let log = listener.messages
        let received = listener.received
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                let text = String(decoding: buffer[0..<count], as: UTF8.self)
                received.append(Received(text: text, microseconds: monotonicMicroseconds()))
                log.append(text)
            }
        }
        thread.start()
        return listener
    }

    /// Stops the reader (its `recv` fails once the socket is shut down).
    func close() async {
        shutdown(descriptor, Int32(SHUT_RDWR))
        unlink(path)
    }
}

/// `CLOCK_MONOTONIC` in microseconds, the clock of systemd's `MONOTONIC_USEC=`.
func monotonicMicroseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
}
