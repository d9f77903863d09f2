import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Exit statuses 1, 2 and 3, and the error line on stderr.
@Suite("Exit status")
struct ExitStatusTests {
    @Test func refusalExitsOneWithTheErrorCode() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.refusal))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "watch", "abc"])
        #expect(daemon.finish().requestLine == "watch abc")
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput.isEmpty)
        #expect(outcome.standardError == "maia-watchdogctl: invalid_task_id: 'abc' is not a task ID (a UUID)\n")
    }

    @Test func refusalWithJSONPrintsTheLineAndExitsOne() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.refusal))
        let outcome = try CtlProcess.run(["--json", "--socket", daemon.path, "stop", "abc"])
        daemon.finish()
        #expect(outcome.status == 1)
        #expect(outcome.standardOutput == Fixtures.refusal + "\n")
        #expect(outcome.standardError == "maia-watchdogctl: invalid_task_id: 'abc' is not a task ID (a UUID)\n")
    }

    static let usageErrors: [[String]] = [
        ["watch"],
        ["stop"],
        ["forget"],
        ["frobnicate", Fixtures.taskID],
        [],
        ["list", "--state", "sleeping"],
        ["list", "--state"],
        ["watch", Fixtures.taskID, "--max-runtime", "1h\n30min"],
        ["watch", Fixtures.taskID, "--max-runtime", "1h\t30min"],
        ["watch", Fixtures.taskID, "--max-runtime", "   "],
        ["watch", Fixtures.taskID, "--started-at", "2026-11-29 09:00:00Z"],
        ["watch", "\(Fixtures.taskID)\nforget \(Fixtures.taskID)"],
        ["stop", "a b"],
        ["forget", ""],
        ["status", "x\u{7}"],
        ["watch", Fixtures.taskID, "--bogus"],
        ["--timeout", "0", "status"],
        ["--timeout", "soon", "status"],
    ]

    @Test(arguments: usageErrors)
    func usageErrorsExitTwoWithoutConnecting(_ arguments: [String]) throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.taskAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path] + arguments)
        let record = daemon.finish()
        #expect(outcome.status == 2)
        #expect(!record.connected)
        #expect(outcome.standardOutput.isEmpty)
        #expect(outcome.standardError.hasPrefix("Error: "))
        #expect(outcome.standardError.contains("Usage: maia-watchdogctl"))
    }

    @Test func socketPathTooLongIsAUsageError() throws {
        let path = "/tmp/" + String(repeating: "x", count: 120) + ".sock"
        let outcome = try CtlProcess.run(["--socket", path, "status"])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("longer than 107 bytes"))
    }

    @Test(arguments: [["--help"], ["watch", "--help"], ["help", "list"]])
    func helpExitsZero(_ arguments: [String]) throws {
        let outcome = try CtlProcess.run(arguments)
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("USAGE: maia-watchdogctl"))
        #expect(outcome.standardError.isEmpty)
    }

    @Test func missingSocketExitsThree() throws {
        let path = "/tmp/mwctl-missing-\(Fixtures.otherTaskID.prefix(8)).sock"
        let outcome = try CtlProcess.run(["--socket", path, "status"])
        #expect(outcome.status == 3)
        #expect(outcome.standardOutput.isEmpty)
        #expect(
            outcome.standardError
                == "maia-watchdogctl: cannot reach the daemon at \(path): cannot connect: No such file or directory\n"
        )
    }

    /// Without `--socket` and `MAIA_WATCHDOG_SOCKET`, the client tries the daemon's default path. Runs only where
    /// nothing is at that path (a build machine), so that the answer is known: the daemon cannot be reached there.
    @Test(
        .enabled(
            if: !FileManager.default.fileExists(atPath: "/run/maia-watchdog/control.sock"),
            "a daemon's socket is at the default path"))
    func defaultSocketIsUnderRun() throws {
        let outcome = try CtlProcess.run(["status"])
        #expect(outcome.status == 3)
        #expect(outcome.standardOutput.isEmpty)
        #expect(
            outcome.standardError
                == "maia-watchdogctl: cannot reach the daemon at /run/maia-watchdog/control.sock: cannot connect: "
                + "No such file or directory\n")
    }

    @Test func socketWithoutListenerExitsThree() throws {
        let stale = try StaleSocket()
        defer { stale.remove() }
        let outcome = try CtlProcess.run(["--socket", stale.path, "list"])
        #expect(outcome.status == 3)
        #expect(outcome.standardError.hasSuffix(": cannot connect: Connection refused\n"))
    }

    @Test(.enabled(if: CtlProcess.canRunAsNobody, "needs root, setpriv, and a build directory others can enter"))
    func socketFileModeKeepingUsOutExitsThree() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.taskAnswer))
        #expect(chmod(daemon.path, 0o600) == 0)
        let outcome = try CtlProcess.run(["--socket", daemon.path, "status"], asNobody: true)
        #expect(!daemon.finish().connected)
        #expect(outcome.status == 3)
        #expect(outcome.standardError.hasSuffix(": cannot connect: Permission denied\n"))
    }

    @Test func closeWithoutAnswerExitsThree() throws {
        let daemon = try FakeDaemon(script: .closeWithoutAnswer)
        let outcome = try CtlProcess.run(["--socket", daemon.path, "list"])
        #expect(daemon.finish().requestLine == "list")
        #expect(outcome.status == 3)
        #expect(outcome.standardError.contains("closed the connection without answering"))
    }

    @Test(arguments: [
        "hello",
        #"{"ok":"yes"}"#,
        #"{"task":{}}"#,
        "[true]",
        // Success without the field the command needs cannot be shown to a person.
        #"{"ok":true}"#,
    ])
    func unusableAnswerExitsThree(_ answer: String) throws {
        let daemon = try FakeDaemon(script: .answer(answer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "status", Fixtures.taskID])
        daemon.finish()
        #expect(outcome.status == 3)
        #expect(outcome.standardOutput.isEmpty)
        #expect(
            outcome.standardError.hasPrefix("maia-watchdogctl: unusable answer from the daemon at \(daemon.path): "))
    }

    @Test func silentDaemonTimesOut() throws {
        let daemon = try FakeDaemon(script: .silence)
        let started = ContinuousClock.now
        let outcome = try CtlProcess.run(["--socket", daemon.path, "--timeout", "0.5", "status"])
        let elapsed = ContinuousClock.now - started
        #expect(daemon.finish().requestLine == "status")
        #expect(outcome.status == 3)
        #expect(outcome.standardError == "maia-watchdogctl: no answer from the daemon at \(daemon.path) within 0.5 s\n")
        #expect(elapsed < .seconds(10))
    }
}
