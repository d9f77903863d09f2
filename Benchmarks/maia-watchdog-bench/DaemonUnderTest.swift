import Foundation
import Glibc

/// The real `maia-watchdogd` binary, started the way systemd would start it (a `NOTIFY_SOCKET`,
/// credentials in `CREDENTIALS_DIRECTORY`, the state directory in `STATE_DIRECTORY`), with the
/// time from exec to `READY=1` measured.
final class DaemonUnderTest: @unchecked Sendable {
    let process: Process
    let socketPath: String
    let notify: NotifySocket
    /// From just before exec to `READY=1`, in milliseconds.
    let readyMilliseconds: Double

    var pid: Int32 { process.processIdentifier }

    /// Starts the daemon and waits (at most 120 s) for `READY=1`. Its sockets are `directory/{name}control.sock`
    /// and `directory/{name}notify.sock`: daemons running at once need names of their own.
    static func start(
        binary: String, directory: String, policy: String, stateDirectory: String, credentials: String,
        watchdogSeconds: Int? = nil, log: String, name: String = ""
    ) throws -> DaemonUnderTest {
        let socketPath = "\(directory)/\(name)control.sock"
        let notify = try NotifySocket(path: "\(directory)/\(name)notify.sock")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--policy", policy, "--socket", socketPath, "--state-dir", stateDirectory]
        var environment = ProcessInfo.processInfo.environment
        for key in ["LISTEN_FDS", "LISTEN_PID", "WATCHDOG_PID", "JOURNAL_STREAM", "RUNTIME_DIRECTORY"] {
            environment[key] = nil
        }
        environment["NOTIFY_SOCKET"] = notify.path
        environment["CREDENTIALS_DIRECTORY"] = credentials
        environment["WATCHDOG_USEC"] = watchdogSeconds.map { String($0 * 1_000_000) }
        process.environment = environment
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        output.seekToEndOfFile()
        process.standardError = output
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        let launched = monotonicNanos()
        try process.run()
        guard notify.ready.wait(timeout: 120), let ready = notify.readyInstant else {
            process.terminate()
            throw BenchError("the daemon sent no READY=1 within 120 s (see \(log))")
        }
        return DaemonUnderTest(
            process: process, socketPath: socketPath, notify: notify,
            readyMilliseconds: Double(ready - launched) / 1e6)
    }

    private init(process: Process, socketPath: String, notify: NotifySocket, readyMilliseconds: Double) {
        self.process = process
        self.socketPath = socketPath
        self.notify = notify
        self.readyMilliseconds = readyMilliseconds
    }

    func stats() throws -> ProcessStats { try ProcessStats.of(pid) }

    /// SIGTERM, then waits for the exit; throws unless it was clean.
    func stop() throws {
        process.terminate()
        process.waitUntilExit()
        notify.close()
        guard process.terminationStatus == 0 else {
            throw BenchError("the daemon exited with status \(process.terminationStatus)")
        }
    }
}
