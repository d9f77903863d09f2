import Testing
import WatchdogProtocol

/// The exact request lines the client sends for every command and option form.
@Suite("Request lines")
struct RequestLineTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let expectedLine: String
        let answer: String

        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let id = Fixtures.taskID

    static let cases: [Case] = [
        Case(arguments: ["watch", id], expectedLine: "watch \(id)", answer: Fixtures.taskAnswer),
        Case(
            arguments: ["watch", id, "--max-runtime", "45min"],
            expectedLine: "watch \(id) max-runtime=45min",
            answer: Fixtures.taskAnswer
        ),
        Case(
            arguments: ["watch", id, "--max-runtime", "1h 30min"],
            expectedLine: "watch \(id) max-runtime=1h30min",
            answer: Fixtures.taskAnswer
        ),
        Case(
            arguments: ["watch", "--started-at", "2026-11-29T09:00:00Z", id, "--max-runtime", " 2h  5min "],
            expectedLine: "watch \(id) max-runtime=2h5min started-at=2026-11-29T09:00:00Z",
            answer: Fixtures.taskAnswer
        ),
        Case(
            arguments: ["watch", id, "--started-at", "2026-11-29T10:00:00+01:00"],
            expectedLine: "watch \(id) started-at=2026-11-29T10:00:00+01:00",
            answer: Fixtures.taskAnswer
        ),
        // Task IDs are the daemon's to validate: anything that fits in one word is passed on.
        Case(arguments: ["watch", "NOT-A-UUID"], expectedLine: "watch NOT-A-UUID", answer: Fixtures.taskAnswer),
        Case(arguments: ["stop", id], expectedLine: "stop \(id)", answer: Fixtures.taskAnswer),
        Case(arguments: ["forget", id], expectedLine: "forget \(id)", answer: Fixtures.taskAnswer),
        Case(arguments: ["status"], expectedLine: "status", answer: Fixtures.daemonAnswer),
        Case(arguments: ["status", id], expectedLine: "status \(id)", answer: Fixtures.taskAnswer),
        Case(arguments: ["list"], expectedLine: "list", answer: Fixtures.listAnswer),
        Case(
            arguments: ["extend", id, "--by", "1h 15min"], expectedLine: "extend \(id) by=1h15min",
            answer: Fixtures.taskAnswer),
    ]

    @Test(arguments: cases)
    func sendsExactLine(_ testCase: Case) throws {
        let daemon = try FakeDaemon(script: .answer(testCase.answer))
        let outcome = try CtlProcess.run(["--socket", daemon.path] + testCase.arguments)
        let record = daemon.finish()
        #expect(record.requestLine == testCase.expectedLine)
        #expect(outcome.status == 0, "stderr: \(outcome.standardError)")
        #expect(!outcome.timedOut)
    }

    /// `list --state` accepts every state a tracked record can be in, from the one list of states.
    @Test(arguments: TaskState.tracked.map(\.rawValue))
    func listFiltersByEveryState(_ state: String) throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.emptyListAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "list", "--state", state])
        #expect(daemon.finish().requestLine == "list state=\(state)")
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput == "No tasks in state \(state).\n")
    }

    /// The states of confirmed stops are among them, and `--help` names them (from the same list).
    @Test func listFiltersByTheStatesOfConfirmedStops() throws {
        for state in ["stopped", "stop_unconfirmed"] {
            let daemon = try FakeDaemon(script: .answer(Fixtures.emptyListAnswer))
            let outcome = try CtlProcess.run(["--socket", daemon.path, "list", "--state", state])
            #expect(daemon.finish().requestLine == "list state=\(state)")
            #expect(outcome.status == 0, "\(state): \(outcome.standardError)")
        }
        let help = try CtlProcess.run(["list", "--help"])
        #expect(help.status == 0)
        // Help text is wrapped to the terminal's width: compare it with its runs of spaces and line breaks as one.
        let text = help.standardOutput.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("stop_requested, stopped, stop_unconfirmed, not_running"), "\(help.standardOutput)")
        #expect(text.contains(TaskState.tracked.map(\.rawValue).joined(separator: ", ")), "\(help.standardOutput)")
    }

    /// ... and nothing else: `forgotten` is only ever reported, never a state to list by.
    @Test func listRefusesTheOtherStates() throws {
        let untracked = TaskState.allCases.filter { !TaskState.tracked.contains($0) }.map(\.rawValue)
        #expect(untracked == ["forgotten"])
        for state in untracked + ["sleeping"] {
            let outcome = try CtlProcess.run(["--socket", "/nonexistent/maia-watchdog.sock", "list", "--state", state])
            #expect(outcome.status == 2, "\(state): \(outcome.standardError)")
            #expect(
                outcome.standardError.contains(TaskState.tracked.map { "  - \($0.rawValue)" }.joined(separator: "\n")),
                "\(outcome.standardError)")
        }
    }

    @Test func globalOptionsAfterTheSubcommand() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.taskAnswer))
        let outcome = try CtlProcess.run(["stop", Self.id, "--json", "--socket", daemon.path])
        #expect(daemon.finish().requestLine == "stop \(Self.id)")
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput == Fixtures.taskAnswer + "\n")
    }

    @Test func socketFromTheEnvironment() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.taskAnswer))
        let outcome = try CtlProcess.run(["forget", Self.id], socketEnvironment: daemon.path)
        #expect(daemon.finish().requestLine == "forget \(Self.id)")
        #expect(outcome.status == 0)
    }

    @Test func socketOptionBeatsTheEnvironment() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.taskAnswer))
        let outcome = try CtlProcess.run(
            ["--socket", daemon.path, "status", Self.id],
            socketEnvironment: "/nonexistent/maia-watchdog.sock"
        )
        #expect(daemon.finish().requestLine == "status \(Self.id)")
        #expect(outcome.status == 0)
    }
}
