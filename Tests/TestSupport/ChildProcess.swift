import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a program to its exit without blocking a thread: its exit comes from the process's `terminationHandler`, its
/// output from `readabilityHandler`s on both pipes (Dispatch threads), and the calling task awaits them under a
/// bound. `waitUntilExit()` or `readDataToEndOfFile()` inside an async test would hold one of the cooperative pool's
/// few threads (two on a two-core machine) for the child's whole run, and stall every other test meanwhile.
public enum ChildProcess {
    /// What a run produced.
    public struct Outcome: Sendable {
        /// The child's process ID.
        public var pid: Int32
        /// Its exit status (or the signal that ended it).
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// The child's output channels could not be made (the errno).
    public enum Failure: Error {
        case pipe(Int32)
    }

    /// Runs `executable` with `arguments` (and `environment`, if given, instead of this process's), standard input
    /// from `/dev/null`, and returns once it has exited and its outputs have been read. Kills it and throws
    /// ``BoundError/timedOut(_:)`` if it has not exited within `bound`.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
        within bound: Duration = .seconds(60)
    ) async throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let run = Run()
        // Made close-on-exec atomically (a `Pipe` gets the flag only after it is made): a child that another test
        // spawns at that moment must not inherit a write end and hold the output open past this child's exit. The
        // child still gets its ends as its stdout and stderr (dup2 clears the flag).
        let (outputRead, outputWrite) = try pipe()
        let (errorRead, errorWrite) = try pipe()
        process.standardOutput = outputWrite
        process.standardError = errorWrite
        process.standardInput = FileHandle.nullDevice
        outputRead.readabilityHandler = { handle in run.read(handle, from: .output) }
        errorRead.readabilityHandler = { handle in run.read(handle, from: .error) }
        process.terminationHandler = { process in run.exited(process.terminationStatus) }
        do {
            try process.run()
        } catch {
            outputRead.readabilityHandler = nil
            errorRead.readabilityHandler = nil
            throw error
        }
        // The child has its copies; without closing ours the outputs would never end.
        try? outputWrite.close()
        try? errorWrite.close()
        let pid = process.processIdentifier
        do {
            try await withBound(bound, "\(executable.lastPathComponent) to exit") { await run.wait(.exited) }
        } catch {
            kill(pid, SIGKILL)
            throw BoundError.timedOut(
                "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) to exit: \(run.progress)")
        }
        // Everything it wrote is in the pipes now; their ends follow once Dispatch has read them, unless a process
        // spawned elsewhere holds a write end after all (then what was read is all there is). The bound is generous:
        // under a loaded CI run, 5 s once cut `maia-watchdogctl metrics` (about 10 KB) short mid-line.
        try? await withBound(.seconds(30), "the outputs to end") { await run.wait(.outputsEnded) }
        return withExtendedLifetime(process) { run.outcome(pid: pid) }
    }

    private static func pipe() throws -> (read: FileHandle, write: FileHandle) {
        // A socket pair: Glibc's module does not export pipe2, and only a flag given at creation is atomic.
        var descriptors: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &descriptors) == 0 else { throw Failure.pipe(errno) }
        return (
            FileHandle(fileDescriptor: descriptors[0], closeOnDealloc: true),
            FileHandle(fileDescriptor: descriptors[1], closeOnDealloc: true)
        )
    }

    /// The state of one run, filled in from Dispatch threads.
    private final class Run: Sendable {
        enum Source {
            case output, error
        }

        enum Condition {
            case exited, outputsEnded
        }

        struct State {
            var output = Data()
            var error = Data()
            var outputEnded = false
            var errorEnded = false
            var status: Int32?
            var nextID = 0
            var waiters: [Int: (condition: Condition, continuation: CheckedContinuation<Void, Never>)] = [:]

            func holds(_ condition: Condition) -> Bool {
                switch condition {
                case .exited: return status != nil
                case .outputsEnded: return outputEnded && errorEnded
                }
            }
        }

        private let state = Mutex(State())

        /// What one readability callback brings: a chunk, or (empty) the end of that output.
        func read(_ handle: FileHandle, from source: Source) {
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            update { state in
                switch (source, chunk.isEmpty) {
                case (.output, true): state.outputEnded = true
                case (.output, false): state.output.append(chunk)
                case (.error, true): state.errorEnded = true
                case (.error, false): state.error.append(chunk)
                }
            }
        }

        func exited(_ status: Int32) {
            update { $0.status = status }
        }

        private func update(_ change: (inout State) -> Void) {
            let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                change(&state)
                let due = state.waiters.filter { state.holds($0.value.condition) }.map(\.key)
                return due.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
            }
            for continuation in ready { continuation.resume() }
        }

        /// Returns once `condition` holds, or when the calling task is cancelled.
        func wait(_ condition: Condition) async {
            let id = state.withLock { state -> Int in
                state.nextID += 1
                return state.nextID
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        if state.holds(condition) || Task.isCancelled { return true }
                        state.waiters[id] = (condition, continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
            }
        }

        /// What has happened so far, for a run that did not finish in time.
        var progress: String {
            state.withLock { state in
                "exited \(state.status.map(String.init) ?? "no"), output ended \(state.outputEnded), "
                    + "error output ended \(state.errorEnded), output so far "
                    + String(decoding: state.output, as: UTF8.self)
            }
        }

        func outcome(pid: Int32) -> Outcome {
            state.withLock { state in
                Outcome(
                    pid: pid, status: state.status ?? -1, standardOutput: String(decoding: state.output, as: UTF8.self),
                    standardError: String(decoding: state.error, as: UTF8.self))
            }
        }
    }
}
