import Foundation
import Synchronization
import TestSupport

/// The real `maia-watchdogd` binary run as a child process, its stdout and stderr read line by line, apart and together.
final class DaemonProcess: Sendable {
    private let process: Process
    private let scratchState: String
    private let output = Locked(OutputState())
    private let exit = Locked<(status: Int32?, waiters: [UUID: CheckedContinuation<Void, Never>])>((nil, [:]))

    private struct Waiter {
        var id: UUID
        var text: String
        var continuation: CheckedContinuation<Void, Never>
    }

    /// The child's two output streams.
    enum Stream: Int, Sendable {
        case standardOutput = 0
        case standardError = 1
    }

    /// Lines as they arrived from either stream (`lines`), and each stream's own.
    private struct OutputState: Sendable {
        var lines: [String] = []
        var streams: [[String]] = [[], []]
        var partial: [String] = ["", ""]
        var streamEnded: [Bool] = [false, false]
        var waiters: [Waiter] = []
        var ended: Bool { streamEnded.allSatisfy { $0 } }

        mutating func append(_ line: String, from stream: Stream) {
            lines.append(line)
            streams[stream.rawValue].append(line)
        }
    }

    /// The built products directory (the test runner lives there).
    static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("maia-watchdogd").path) {
                return url
            }
            url.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug")
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    init(_ arguments: [String], environment: [String: String] = [:], launcher: [String] = []) throws {
        process = Process()
        let daemon = Self.productsDirectory.appendingPathComponent("maia-watchdogd")
        if let first = launcher.first {
            // e.g. systemd-socket-activate -l PATH, which then execs the daemon.
            process.executableURL = URL(fileURLWithPath: first)
            process.arguments = Array(launcher.dropFirst()) + [daemon.path] + arguments
        } else {
            process.executableURL = daemon
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment
        for key in [
            "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "CREDENTIALS_DIRECTORY", "RUNTIME_DIRECTORY", "WATCHDOG_USEC",
            "WATCHDOG_PID", "JOURNAL_STREAM",
        ] {
            env[key] = nil
        }
        // Never the machine's /var/lib/maia-watchdog: a fresh state directory unless the test names one
        // (with --state-dir, which wins, or STATE_DIRECTORY).
        let scratchState = "/tmp/maia-test-state-\(UUID().uuidString.prefix(8))"
        env["STATE_DIRECTORY"] = scratchState
        self.scratchState = scratchState
        process.environment = env.merging(environment) { $1 }
        // Close-on-exec, so that daemons other tests spawn meanwhile do not inherit the write ends and
        // hold the pipes open past this daemon's exit (the child still gets them: dup2 clears the flag).
        let standardOutput = Pipe().closeOnExec()
        let standardError = Pipe().closeOnExec()
        process.standardOutput = standardOutput
        process.standardError = standardError
        process.standardInput = FileHandle.nullDevice
        for (pipe, stream) in [(standardOutput, Stream.standardOutput), (standardError, .standardError)] {
            pipe.fileHandleForReading.readabilityHandler = { [output] handle in
                let data = handle.availableData
                let resumed = output.withLock { state -> [CheckedContinuation<Void, Never>] in
                    let index = stream.rawValue
                    if data.isEmpty {
                        handle.readabilityHandler = nil
                        if !state.partial[index].isEmpty { state.append(state.partial[index], from: stream) }
                        state.partial[index] = ""
                        state.streamEnded[index] = true
                    } else {
                        state.partial[index] += String(decoding: data, as: UTF8.self)
                        while let newline = state.partial[index].firstIndex(of: "\n") {
                            state.append(String(state.partial[index][..<newline]), from: stream)
                            state.partial[index] = String(
                                state.partial[index][state.partial[index].index(after: newline)...])
                        }
                    }
                    // Joined only when someone waits: a chatty daemon would make this quadratic.
                    let text = state.waiters.isEmpty ? "" : state.lines.joined(separator: "\n")
                    let ended = state.ended
                    let ready = state.waiters.filter { text.contains($0.text) || ended }
                    state.waiters.removeAll { text.contains($0.text) || ended }
                    return ready.map(\.continuation)
                }
                for continuation in resumed { continuation.resume() }
            }
        }
        process.terminationHandler = { [exit] process in
            let waiters = exit.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.status = process.terminationStatus
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
        }
        try process.run()
        Self.running.withLock { _ = $0.insert(process.processIdentifier) }
    }

    /// Daemons started and not yet seen to exit. The test runner exits without running every deinit (a test that
    /// leaves its clean-up to an unstructured task, a failed run), so they are killed at exit too: otherwise they
    /// outlive the run and load the machine for the next one.
    private static let running: Locked<Set<Int32>> = {
        atexit {
            for pid in DaemonProcess.running.withLock({ $0 }) { kill(pid, SIGKILL) }
        }
        return Locked([])
    }()

    var pid: Int32 { process.processIdentifier }

    /// Every line from stdout and stderr, in the order they were read.
    var lines: [String] { output.withLock { $0.lines } }

    /// The lines of one stream only (the last one even without a final newline).
    func lines(of stream: Stream) -> [String] { output.withLock { $0.streams[stream.rawValue] } }

    /// Waits (bounded) until the output contains `text` (or the output ends).
    func waitForOutput(_ text: String, within bound: Duration = .seconds(60)) async throws {
        try await withBound(bound, "daemon output \"\(text)\"") { [output] in
            let id = UUID()
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let done = output.withLock { state -> Bool in
                        if state.ended || state.lines.joined(separator: "\n").contains(text) || Task.isCancelled {
                            return true
                        }
                        state.waiters.append(Waiter(id: id, text: text, continuation: continuation))
                        return false
                    }
                    if done { continuation.resume() }
                }
            } onCancel: {
                let waiter = output.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                waiter?.continuation.resume()
            }
        }
        guard lines.joined(separator: "\n").contains(text) else {
            throw HarnessError.unexpected("output ended without \"\(text)\":\n" + lines.joined(separator: "\n"))
        }
    }

    /// Waits (bounded) for the process to exit; returns its status.
    func waitForExit(within bound: Duration = .seconds(60)) async throws -> Int32 {
        try await withBound(bound, "daemon to exit") { [exit] in
            let id = UUID()
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let done = exit.withLock { state -> Bool in
                        if state.status != nil || Task.isCancelled { return true }
                        state.waiters[id] = continuation
                        return false
                    }
                    if done { continuation.resume() }
                }
            } onCancel: {
                exit.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
        guard let status = exit.withLock({ $0.status }) else { throw BoundError.timedOut("daemon to exit") }
        // The process has exited, but the pipe may still hold its last lines: wait (briefly) for its end.
        // A process another test spawned at the same moment can inherit the pipe's write end and keep
        // it open; the daemon's own lines are all in the pipe by now, so after the bound go on.
        try? await waitForOutputEnd(within: .seconds(3))
        return status
    }

    /// Waits (bounded) until the output pipe reaches its end (every line has been read).
    func waitForOutputEnd(within bound: Duration = .seconds(60)) async throws {
        try await withBound(bound, "daemon output to end") { [output] in
            let id = UUID()
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let done = output.withLock { state -> Bool in
                        if state.ended || Task.isCancelled { return true }
                        // A NUL is never printed: this waiter is resumed at the end of the output.
                        state.waiters.append(Waiter(id: id, text: "\u{0}", continuation: continuation))
                        return false
                    }
                    if done { continuation.resume() }
                }
            } onCancel: {
                let waiter = output.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                waiter?.continuation.resume()
            }
        }
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        Self.running.withLock { _ = $0.remove(process.processIdentifier) }
        try? FileManager.default.removeItem(atPath: scratchState)
    }
}

/// A lock-protected value that closures can capture (a `Mutex` cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        self.mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout sending Value) throws -> sending Result) rethrows -> Result {
        try mutex.withLock(body)
    }
}

extension Pipe {
    /// Marks both ends close-on-exec, so that processes other tests spawn concurrently do not inherit
    /// them and hold the pipe open (a child handed an end as its stdio still gets it: dup2 clears the flag).
    @discardableResult
    func closeOnExec() -> Pipe {
        _ = fcntl(fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        return self
    }
}
