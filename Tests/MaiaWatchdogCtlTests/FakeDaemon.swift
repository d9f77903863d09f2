import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stand-in for maia-watchdogd's control socket: listens on a temporary Unix socket, accepts
/// one connection, records the request line and answers as scripted.
///
/// It serves on a thread of its own; ``finish()`` wakes it through a pipe if no client came,
/// joins it, and removes the socket file.
final class FakeDaemon: Sendable {
    /// What the daemon does with the one request it reads.
    enum Script: Sendable {
        /// Answer with this line (a `\n` is appended).
        case answer(String)
        /// Close the connection without answering.
        case closeWithoutAnswer
        /// Keep the connection open and say nothing until the client goes away or ``finish()``.
        case silence
    }

    /// What happened on the socket.
    struct Record: Sendable, Equatable {
        /// Whether a client connected at all.
        var connected = false
        /// The request line, without its `\n`, when one arrived.
        var requestLine: String?
    }

    let path: String
    private let listener: Int32
    private let wakeReader: Int32
    private let wakeWriter: Int32
    private let state = Mutex(Record())
    private let done = DispatchSemaphore(value: 0)

    init(script: Script) throws {
        path = "/tmp/mwctl-\(UUID().uuidString.prefix(8).lowercased()).sock"
        let descriptor = try UnixSocketFile.bound(to: path)
        var fds: [Int32] = [0, 0]
        guard listen(descriptor, 4) == 0, pipe(&fds) == 0 else {
            let failure = errno
            close(descriptor)
            unlink(path)
            throw FakeDaemonError.system("listen/pipe", failure)
        }
        listener = descriptor
        wakeReader = fds[0]
        wakeWriter = fds[1]
        let thread = Thread { [self] in
            serve(script)
            done.signal()
        }
        thread.start()
    }

    /// Stops serving (waiting at most `timeout` for the serving thread), cleans up, and returns
    /// what happened.
    @discardableResult
    func finish(timeout: DispatchTimeInterval = .seconds(10)) -> Record {
        _ = write(wakeWriter, "x", 1)
        let finished = done.wait(timeout: .now() + timeout) == .success
        if finished {
            close(listener)
            close(wakeReader)
            close(wakeWriter)
        }
        unlink(path)
        return state.withLock { $0 }
    }

    private func serve(_ script: Script) {
        guard waitReadable(listener) else { return }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        state.withLock { $0.connected = true }

        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !received.contains(UInt8(ascii: "\n")) {
            guard waitReadable(connection) else { return }
            let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received.append(contentsOf: chunk[..<count])
        }
        if let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: received[..<newline], as: UTF8.self)
            state.withLock { $0.requestLine = line }
        }

        switch script {
        case .answer(let line):
            let bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        case .closeWithoutAnswer:
            return
        case .silence:
            // Wait for the client to hang up (readable at EOF) or for finish().
            _ = waitReadable(connection)
        }
    }

    /// Waits until `descriptor` is readable; `false` when woken by ``finish()`` instead.
    private func waitReadable(_ descriptor: Int32) -> Bool {
        var fds = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let result = poll(&fds, 2, -1)
            if result < 0 && errno == EINTR { continue }
            return result > 0 && fds[1].revents == 0
        }
    }
}

/// A failure to set up a ``FakeDaemon``.
enum FakeDaemonError: Error {
    case system(String, Int32)
}
