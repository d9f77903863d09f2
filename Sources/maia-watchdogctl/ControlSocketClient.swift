import WatchdogProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking client for one request/response exchange on a stream Unix socket.
///
/// All the C pointer work of the program lives here. The whole exchange (connect, send,
/// receive) shares one deadline, enforced with `SO_SNDTIMEO`/`SO_RCVTIMEO` set to the time
/// left before each blocking call.
struct ControlSocketClient {
    /// The socket file's path.
    let path: String

    /// How long the whole exchange may take.
    let timeout: Duration

    /// The most a response line may hold; a longer one is treated as garbage.
    static let maximumResponseBytes = 64 * 1024 * 1024

    /// Sends `line` plus `\n` and returns the first response line, without its `\n` (or `\r\n`).
    func exchange(_ line: String) throws(ControlSocketError) -> [UInt8] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        let descriptor = try connected(deadline: deadline, clock: clock)
        defer { _ = close(descriptor) }
        do {
            try send(Array(line.utf8) + [UInt8(ascii: "\n")], on: descriptor, deadline: deadline, clock: clock)
        } catch .closedWithoutAnswer {
            // A daemon that refuses a connection (too many) answers at once and closes; the answer may already
            // be waiting even though sending failed. Only when nothing is there did it close without one.
            return try receiveLine(on: descriptor, deadline: deadline, clock: clock)
        }
        return try receiveLine(on: descriptor, deadline: deadline, clock: clock)
    }

    private func connected(deadline: ContinuousClock.Instant, clock: ContinuousClock) throws(ControlSocketError)
        -> Int32
    {
        guard let address = UnixSocketAddress(path: path) else {
            throw .pathTooLong
        }

        #if canImport(Glibc)
            let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
            let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else {
            throw .connect(errno: errno)
        }
        #if canImport(Darwin)
            var on: Int32 = 1
            _ = setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif

        while true {
            do throws(ControlSocketError) {
                try setTimeout(SO_SNDTIMEO, on: descriptor, deadline: deadline, clock: clock)
            } catch {
                _ = close(descriptor)
                throw error
            }
            let result = address.withSockaddr { connect(descriptor, $0, $1) }
            if result == 0 {
                return descriptor
            }
            let failure = errno
            if failure == EINTR {
                continue
            }
            _ = close(descriptor)
            // A full listen backlog makes a blocking connect wait; running out of time shows as EAGAIN.
            throw failure == EAGAIN || failure == EWOULDBLOCK ? .timedOut : .connect(errno: failure)
        }
    }

    private func send(_ bytes: [UInt8], on descriptor: Int32, deadline: ContinuousClock.Instant, clock: ContinuousClock)
        throws(ControlSocketError)
    {
        var remaining = bytes[...]
        while !remaining.isEmpty {
            try setTimeout(SO_SNDTIMEO, on: descriptor, deadline: deadline, clock: clock)
            let sent = remaining.withUnsafeBytes { raw in
                #if canImport(Glibc)
                    Glibc.send(descriptor, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
                #else
                    Darwin.send(descriptor, raw.baseAddress, raw.count, 0)
                #endif
            }
            if sent < 0 {
                let failure = errno
                switch failure {
                case EINTR:
                    continue
                case EAGAIN, EWOULDBLOCK:
                    throw .timedOut
                case EPIPE, ECONNRESET:
                    throw .closedWithoutAnswer
                default:
                    throw .send(errno: failure)
                }
            }
            remaining = remaining.dropFirst(sent)
        }
    }

    private func receiveLine(on descriptor: Int32, deadline: ContinuousClock.Instant, clock: ContinuousClock)
        throws(ControlSocketError) -> [UInt8]
    {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            try setTimeout(SO_RCVTIMEO, on: descriptor, deadline: deadline, clock: clock)
            let count = chunk.withUnsafeMutableBytes { raw in
                recv(descriptor, raw.baseAddress, raw.count, 0)
            }
            if count < 0 {
                let failure = errno
                switch failure {
                case EINTR:
                    continue
                case EAGAIN, EWOULDBLOCK:
                    throw .timedOut
                case ECONNRESET:
                    throw .closedWithoutAnswer
                default:
                    throw .receive(errno: failure)
                }
            }
            if count == 0 {
                throw received.isEmpty ? .closedWithoutAnswer : .closedMidLine
            }
            let start = received.count
            received.append(contentsOf: chunk[..<count])
            if let newline = received[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(received[..<newline])
                if line.last == UInt8(ascii: "\r") {
                    line.removeLast()
                }
                return line
            }
            if received.count > Self.maximumResponseBytes {
                throw .responseTooLong
            }
        }
    }

    /// Sets a send or receive timeout to the time left before `deadline`.
    private func setTimeout(
        _ option: Int32,
        on descriptor: Int32,
        deadline: ContinuousClock.Instant,
        clock: ContinuousClock
    ) throws(ControlSocketError) {
        let left = clock.now.duration(to: deadline)
        guard left > .zero else {
            throw .timedOut
        }
        let (seconds, attoseconds) = left.components
        let microseconds = attoseconds / 1_000_000_000_000
        // A zero timeval means "wait forever": never let rounding produce one.
        var value = timeval(
            tv_sec: time_t(seconds),
            tv_usec: suseconds_t(seconds == 0 ? max(1, microseconds) : microseconds)
        )
        guard setsockopt(descriptor, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw .socketOption(errno: errno)
        }
    }
}
