import Foundation
import Glibc

/// A `NOTIFY_SOCKET` for the daemon under test: a datagram Unix socket read by a thread of its
/// own, which stamps the first `READY=1` on the monotonic clock and counts `WATCHDOG=1` pings.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var readyAt: UInt64?
    private var pings = 0
    let ready = Latch()

    init(path: String) throws {
        self.path = path
        unlink(path)
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchError("socket: errno \(errno)") }
        let descriptor = self.descriptor
        let bound = try withUnixAddress(path) { bind(descriptor, $0, $1) }
        guard bound == 0 else { throw BenchError("bind \(path): errno \(errno)") }
        let thread = Thread { [self] in self.read() }
        thread.start()
    }

    private func read() {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return }
            let now = monotonicNanos()
            let message = String(decoding: buffer[0..<count], as: UTF8.self)
            let fields = message.split(separator: "\n")
            lock.withLock {
                if fields.contains("READY=1"), readyAt == nil { readyAt = now }
                if fields.contains("WATCHDOG=1") { pings += 1 }
            }
            if fields.contains("READY=1") { ready.raise() }
        }
    }

    /// When `READY=1` first arrived (monotonic nanoseconds).
    var readyInstant: UInt64? { lock.withLock { readyAt } }

    var watchdogPings: Int { lock.withLock { pings } }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        Glibc.close(descriptor)
        unlink(path)
    }
}
