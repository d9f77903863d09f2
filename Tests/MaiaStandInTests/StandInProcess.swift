import Foundation
import Synchronization
import TestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The built `maia-standin` program run as a server: started, its base URL read from its first stdout line, then
/// ended with SIGTERM.
final class StandInProcess: Sendable {
    /// Kept alive until the end (its termination handler reports the exit); never touched after the start.
    private let process: Process
    private let pid: Int32
    /// The base URL it printed.
    let baseURL: String
    private let exited: Shared<Int32?>
    private let exitStream: AsyncStream<Int32>

    /// A value behind a lock that escaping closures can share.
    final class Shared<Value: Sendable>: Sendable {
        let value: Mutex<Value>

        init(_ value: Value) {
            self.value = Mutex(value)
        }
    }

    private init(process: Process, baseURL: String, exited: Shared<Int32?>, exitStream: AsyncStream<Int32>) {
        self.pid = process.processIdentifier
        self.process = process
        self.baseURL = baseURL
        self.exited = exited
        self.exitStream = exitStream
    }

    /// The binary beside this test bundle (`.build/debug/maia-standin`), or `$MAIA_STANDIN`.
    static func binaryURL() throws -> URL {
        if let override = ProcessInfo.processInfo.environment["MAIA_STANDIN"] {
            return URL(fileURLWithPath: override)
        }
        var starts = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        if let executable = Bundle.main.executableURL { starts.append(executable) }
        for start in starts {
            var directory = start.resolvingSymlinksInPath().standardizedFileURL
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("maia-standin")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory),
                    !isDirectory.boolValue, FileManager.default.isExecutableFile(atPath: candidate.path)
                {
                    return candidate
                }
                directory.deleteLastPathComponent()
            }
        }
        throw BoundError.timedOut("the maia-standin binary (set MAIA_STANDIN)")
    }

    /// Starts `maia-standin --port 0 --token test-token` plus `arguments` and waits (bounded) for its base URL.
    static func start(_ arguments: [String]) async throws -> StandInProcess {
        let process = Process()
        process.executableURL = try binaryURL()
        process.arguments = ["--port", "0", "--token", LoopbackClient.token] + arguments
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        let (lines, lineContinuation) = AsyncStream.makeStream(of: String.self)
        let buffer = Shared("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                lineContinuation.finish()
                return
            }
            let line = buffer.value.withLock { text -> String? in
                text += String(decoding: data, as: UTF8.self)
                guard let end = text.firstIndex(of: "\n") else { return nil }
                return String(text[..<end])
            }
            if let line { lineContinuation.yield(line) }
        }
        let exited = Shared<Int32?>(nil)
        let (exitStream, exitContinuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { process in
            exited.value.withLock { $0 = process.terminationStatus }
            exitContinuation.yield(process.terminationStatus)
            exitContinuation.finish()
        }
        try process.run()
        try output.fileHandleForWriting.close()
        let baseURL = try await withBound(.seconds(30), "maia-standin to print its base URL") {
            for await line in lines { return line }
            return ""
        }
        let running = StandInProcess(process: process, baseURL: baseURL, exited: exited, exitStream: exitStream)
        guard baseURL.hasPrefix("http://") else {
            _ = try? await running.terminate()
            throw BoundError.timedOut("a base URL from maia-standin (got '\(baseURL)')")
        }
        return running
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    func terminate() async throws -> Int32 {
        if self.exited.value.withLock({ $0 == nil }) {
            kill(self.pid, SIGTERM)
        }
        let stream = self.exitStream
        let exited = self.exited
        return try await withBound(.seconds(30), "maia-standin to exit") {
            for await status in stream { return status }
            return exited.value.withLock { $0 } ?? -1
        }
    }
}
