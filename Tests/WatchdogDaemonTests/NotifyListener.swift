import Foundation
import Glibc

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
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError.unexpected("socket: \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            Glibc.close(fd)
            throw HarnessError.unexpected("bind \(path): \(errno)")
        }
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
