import Testing
import WatchdogProtocol

/// What the client prints for the daemon's answers.
@Suite("Output")
struct OutputTests {
    @Test(arguments: [
        (["watch", Fixtures.taskID], Fixtures.taskAnswer),
        (["status"], Fixtures.daemonAnswer),
        (["list"], Fixtures.listAnswer),
        (["list"], Fixtures.emptyListAnswer),
        // Unknown fields, odd spacing and non-ASCII text come through untouched.
        (["status", Fixtures.taskID], #"{ "ok" : true, "future" : [1, {"x": "é"}], "task" : {"id": "x"} }"#),
    ])
    func jsonIsTheResponseLineVerbatim(arguments: [String], answer: String) throws {
        let daemon = try FakeDaemon(script: .answer(answer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "--json"] + arguments)
        daemon.finish()
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput == answer + "\n")
        #expect(outcome.standardError.isEmpty)
    }

    @Test func listPrintsATableInTheDaemonsOrder() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.listAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "list"])
        daemon.finish()
        #expect(outcome.status == 0)
        #expect(
            outcome.standardOutput == """
                ID                                    STATE     DEADLINE              ATTEMPTS  LAST
                5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b  stopping  none                  3         503 service unavailable
                0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11  watching  2026-11-29T09:45:00Z  0         -

                """
        )
    }

    @Test func emptyListSaysSo() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.emptyListAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "list"])
        daemon.finish()
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput == "No tasks are tracked.\n")
    }

    @Test func oneTaskIsAnAlignedBlock() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.taskAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "watch", Fixtures.taskID])
        daemon.finish()
        #expect(outcome.status == 0)
        #expect(
            outcome.standardOutput == """
                id                0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11
                state             watching
                watched at        2026-11-29T09:00:00Z
                deadline          2026-11-29T09:45:00Z
                max runtime       45min
                attempts          0
                last http status  -
                last error        -
                updated at        2026-11-29T09:00:00Z
                requested by      uid 1000, pid 4242

                """
        )
    }

    @Test func exemptTaskHasNoDeadline() throws {
        let daemon = try FakeDaemon(script: .answer(#"{"ok":true,"task":"# + Fixtures.stoppingTask + "}"))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "status", Fixtures.otherTaskID])
        daemon.finish()
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("deadline          none (exempt)\n"))
        #expect(outcome.standardOutput.contains("max runtime       none (exempt)\n"))
        #expect(outcome.standardOutput.contains("last http status  503\n"))
        #expect(outcome.standardOutput.contains("last error        service unavailable\n"))
    }

    @Test func daemonStatusShowsCountsPerState() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.daemonAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "status"])
        daemon.finish()
        #expect(outcome.status == 0)
        #expect(
            outcome.standardOutput == """
                version           0.1.0
                uptime            1h 30min
                policy            /etc/maia-watchdog/policy.toml
                policy loaded at  2026-11-29T07:30:00Z
                dry run           no
                api               https://eu1.api.matillion.com/dpc
                api token         ok
                tasks             15
                  watching        12
                  stopping        1
                  gave_up         2

                """
        )
    }

    /// The status block lists the counts in life-cycle order, whatever order the daemon wrote them
    /// in, and knows every state.
    @Test func daemonStatusOrdersEveryStateByTheLifeCycle() throws {
        let counts = TaskState.tracked.reversed().enumerated().map { #""\#($1.rawValue)":\#($0 + 1)"# }
        let answer = #"{"ok":true,"daemon":{"counts":{"# + counts.joined(separator: ",") + "}}}"
        let daemon = try FakeDaemon(script: .answer(answer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "status"])
        daemon.finish()
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let shown = outcome.standardOutput.split(separator: "\n").filter { $0.hasPrefix("  ") }
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(shown == TaskState.tracked.map(\.rawValue))
    }
}
