import Foundation
import Glibc
import TestSupport

/// A real `NOTIFY_SOCKET`: a datagram Unix socket that records every message sd_notify sends.
/// It reads on a thread of its own (a blocking `recv`), never on the Swift concurrency pool.
/// (NIO's datagram channel cannot take datagrams from unnamed Unix senders, which is what
/// sd_notify uses.)
final class NotifyListener: Sendable {
    let path: String
    let messages = EventLog<String>()
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    static func start(path: String) async throws -> NotifyListener {
        let fd = try UnixSocketFile.bound(to: path, type: Int32(SOCK_DGRAM.rawValue))
        let listener = NotifyListener(path: path, descriptor: fd)
        let log = listener.messages
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                log.append(String(decoding: buffer[0..<count], as: UTF8.self))
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
