import Foundation
import Glibc

/// What one load run measured.
struct LoadResult: Sendable {
    var answered: Int
    /// Answers that did not start with the expected prefix (`{"ok":true` for the daemon).
    var refused: Int
    var seconds: Double
    /// Send-to-answer latency of every request, in microseconds.
    var latencies: [Double]

    var rate: Double { Double(answered) / seconds }
}

/// Drives request lines at a line server (the daemon's control socket, or the echo server that is
/// its limit) in two shapes.
enum LineLoad {
    /// One connection, pipelined: a writer thread keeps up to `window` requests outstanding while
    /// this thread reads the answers in order. Latency is measured per request from its write.
    static func pipelined(path: String, lines: [String], window: Int, expecting prefix: String) throws -> LoadResult {
        let socket = try LineSocket(path: path)
        let stamps = Stamps(count: lines.count)
        let flow = Flow(window: window)
        let expected = Array(prefix.utf8)
        let payloads = lines.map { Array(($0 + "\n").utf8) }
        let started = monotonicNanos()
        let writer = Thread {
            var index = 0
            while index < payloads.count {
                // Write as many as the window allows in one call, as a busy client would.
                let room = flow.room()
                let upper = min(payloads.count, index + min(room, 64))
                var chunk: [UInt8] = []
                chunk.reserveCapacity((upper - index) * 80)
                for payload in payloads[index..<upper] { chunk += payload }
                let now = monotonicNanos()
                for slot in index..<upper { stamps[slot] = now }
                flow.sent(upper - index)
                do { try socket.write(chunk) } catch { flow.fail(); return }
                index = upper
            }
        }
        writer.start()
        var latencies = [Double](repeating: 0, count: lines.count)
        var refused = 0
        for index in 0..<lines.count {
            if !(try socket.readLine(expecting: expected)) { refused += 1 }
            latencies[index] = Double(monotonicNanos() - stamps[index]) / 1000
            flow.answered()
        }
        let seconds = Double(monotonicNanos() - started) / 1e9
        return LoadResult(answered: lines.count, refused: refused, seconds: seconds, latencies: latencies)
    }

    /// `connections` clients at once, each with one request outstanding (write, wait for the
    /// answer, write the next), like many independent callers of `maia-watchdogctl`.
    static func lockstep(
        path: String, lines: [String], connections: Int, expecting prefix: String
    ) throws -> LoadResult {
        let expected = Array(prefix.utf8)
        let sockets = try (0..<connections).map { _ in try LineSocket(path: path) }
        let results = Results(count: connections)
        let go = Latch()
        let done = DispatchGroup()
        for (client, socket) in sockets.enumerated() {
            let mine = stride(from: client, to: lines.count, by: connections).map { Array((lines[$0] + "\n").utf8) }
            done.enter()
            let thread = Thread {
                defer { done.leave() }
                _ = go.wait(timeout: 60)
                var latencies: [Double] = []
                latencies.reserveCapacity(mine.count)
                var refused = 0
                do {
                    for payload in mine {
                        let sent = monotonicNanos()
                        try socket.write(payload)
                        if !(try socket.readLine(expecting: expected)) { refused += 1 }
                        latencies.append(Double(monotonicNanos() - sent) / 1000)
                    }
                } catch {
                    refused += mine.count - latencies.count
                }
                results.store(client, latencies: latencies, refused: refused)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        let started = monotonicNanos()
        go.raise()
        done.wait()
        let seconds = Double(monotonicNanos() - started) / 1e9
        let (latencies, refused) = results.merged()
        return LoadResult(answered: latencies.count, refused: refused, seconds: seconds, latencies: latencies)
    }
}

/// Send times shared by the writer and reader threads of one pipelined run. Each slot is written
/// once by the writer before its bytes are sent and read by the reader after the answer arrived,
/// so the socket orders the two; hence `@unchecked Sendable`.
private final class Stamps: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<UInt64>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0)
    }

    deinit { storage.deallocate() }

    subscript(index: Int) -> UInt64 {
        get { storage[index] }
        set { storage[index] = newValue }
    }
}

/// The pipelining window: the writer waits while `window` requests are unanswered.
private final class Flow: @unchecked Sendable {
    private let condition = NSCondition()
    private let window: Int
    private var outstanding = 0
    private var failed = false

    init(window: Int) { self.window = window }

    /// Waits for room and returns how many requests may be sent now.
    func room() -> Int {
        condition.lock()
        defer { condition.unlock() }
        while outstanding >= window && !failed { condition.wait() }
        return max(1, window - outstanding)
    }

    func sent(_ count: Int) {
        condition.lock()
        outstanding += count
        condition.unlock()
    }

    func answered() {
        condition.lock()
        outstanding -= 1
        if outstanding < window { condition.signal() }
        condition.unlock()
    }

    func fail() {
        condition.lock()
        failed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Per-client results of a lockstep run, merged at the end.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [[Double]]
    private var refused = 0

    init(count: Int) { latencies = Array(repeating: [], count: count) }

    func store(_ client: Int, latencies mine: [Double], refused count: Int) {
        lock.withLock {
            latencies[client] = mine
            refused += count
        }
    }

    func merged() -> ([Double], Int) {
        lock.withLock { (latencies.flatMap { $0 }, refused) }
    }
}
