import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the built `maia-watchdogctl` binary as a subprocess, with a bound on how long it may take.
enum CtlProcess {
    /// What a run produced.
    struct Outcome: Sendable {
        var status: Int32
        var standardOutput: String
        var standardError: String
        /// `true` when the run had to be killed for exceeding its time limit.
        var timedOut: Bool
    }

    /// `setpriv`, which runs the binary as `nobody` for the permission test.
    static let setpriv = "/usr/bin/setpriv"

    /// Whether the binary can be run as `nobody`: we are root, `setpriv` exists, and every
    /// directory above the binary lets others through.
    static var canRunAsNobody: Bool {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv),
            var url = try? binaryURL().resolvingSymlinksInPath()
        else {
            return false
        }
        while true {
            var info = stat()
            guard stat(url.path, &info) == 0, info.st_mode & 0o001 != 0 else {
                return false
            }
            if url.path == "/" {
                return true
            }
            url.deleteLastPathComponent()
        }
    }

    /// Runs the binary with `arguments`; `MAIA_WATCHDOG_SOCKET` is removed from the environment
    /// unless `socketEnvironment` gives it a value. With `asNobody`, the binary runs as uid and
    /// gid 65534 through `setpriv`.
    static func run(
        _ arguments: [String],
        socketEnvironment: String? = nil,
        asNobody: Bool = false,
        timeLimit: DispatchTimeInterval = .seconds(20)
    ) throws -> Outcome {
        let process = Process()
        let binary = try binaryURL()
        if asNobody {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["MAIA_WATCHDOG_SOCKET"] = socketEnvironment
        process.environment = environment
        let output = Pipe()
        output.closeOnExecForCtl()
        let error = Pipe()
        error.closeOnExecForCtl()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice

        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let outputData = ReadToEnd(output.fileHandleForReading)
        let errorData = ReadToEnd(error.fileHandleForReading)
        try process.run()

        var timedOut = false
        if exited.wait(timeout: .now() + timeLimit) == .timedOut {
            timedOut = true
            process.terminate()
            exited.wait()
        }
        return Outcome(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData.wait(), as: UTF8.self),
            standardError: String(decoding: errorData.wait(), as: UTF8.self),
            timedOut: timedOut
        )
    }

    /// The `maia-watchdogctl` executable beside the test bundle in the build products directory
    /// (`.build/debug/`), found by walking up from the test runner; `$MAIA_WATCHDOGCTL` overrides.
    static func binaryURL() throws -> URL {
        let fileManager = FileManager.default
        if let override = ProcessInfo.processInfo.environment["MAIA_WATCHDOGCTL"] {
            return URL(fileURLWithPath: override)
        }
        var starts = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        if let executable = Bundle.main.executableURL {
            starts.append(executable)
        }
        for start in starts {
            var directory = start.resolvingSymlinksInPath().standardizedFileURL
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("maia-watchdogctl")
                var isDirectory: ObjCBool = false
                if fileManager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    fileManager.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                directory.deleteLastPathComponent()
            }
        }
        // Last resort: the package's own .build/debug, from this source file's location.
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent(".build/debug/maia-watchdogctl")
            if fileManager.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
            directory.deleteLastPathComponent()
        }
        throw CtlProcessError.binaryNotFound
    }
}

/// A failure to run the binary at all.
enum CtlProcessError: Error {
    case binaryNotFound
}

/// Reads a pipe to its end on a thread of its own, so that a chatty child never blocks on a
/// full pipe while the test waits for it to exit.
private final class ReadToEnd: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let data = LockedData()

    init(_ handle: FileHandle) {
        let thread = Thread { [data, finished] in
            data.set(handle.readDataToEndOfFile())
            finished.signal()
        }
        thread.start()
    }

    func wait() -> Data {
        finished.wait()
        return data.get()
    }
}

private final class LockedData: Sendable {
    private let storage = Mutex(Data())
    func set(_ value: Data) { storage.withLock { $0 = value } }
    func get() -> Data { storage.withLock { $0 } }
}

extension Pipe {
    /// Both ends close-on-exec, so that processes spawned concurrently by other tests do not inherit them
    /// and keep `readDataToEndOfFile` waiting (dup2 into the child's stdio clears the flag there).
    func closeOnExecForCtl() {
        _ = fcntl(fileHandleForReading.fileDescriptor, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }
}
