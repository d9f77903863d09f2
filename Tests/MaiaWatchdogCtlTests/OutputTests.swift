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
        (["list"], Fixtures.mixedListAnswer),
        (["status", Fixtures.taskID], Fixtures.stoppedTaskAnswer),
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

    /// An older daemon sends no `maia_status`: the MAIA column shows `-`.
    @Test func listPrintsATableInTheDaemonsOrder() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.listAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "list"])
        daemon.finish()
        #expect(outcome.status == 0)
        #expect(
            outcome.standardOutput == """
                ID                                    STATE     MAIA  DEADLINE              ATTEMPTS  LAST
                5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b  stopping  -     none                  3         503 service unavailable
                0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11  watching  -     2026-11-29T09:45:00Z  0         -

                """
        )
    }

    /// MAIA is the last status Maia reported, `-` before any read; a status longer than the column is cut.
    @Test func listShowsMaiasStatus() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.mixedListAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "list"])
        daemon.finish()
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(
            outcome.standardOutput == """
                ID                                    STATE     MAIA        DEADLINE                  ATTEMPTS  LAST
                0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11  stopped   STOPPED     2026-11-29T09:45:00.000Z  1         204
                5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b  stopping  -           none                      3         503 service unavailable
                9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d  watching  AWAITING_…  2026-11-29T10:30:00.000Z  0         -

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

    /// An older daemon's record: the keys it does not send show as `-`; `extended` and `warned at` are left out.
    @Test func oneTaskIsAnAlignedBlock() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.taskAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "watch", Fixtures.taskID])
        daemon.finish()
        #expect(outcome.status == 0)
        #expect(
            outcome.standardOutput == """
                id                0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11
                state             watching
                maia status       -
                watched at        2026-11-29T09:00:00Z
                started at        -
                deadline          2026-11-29T09:45:00Z
                max runtime       45min
                attempts          0
                last http status  -
                last error        -
                confirmed at      -
                updated at        2026-11-29T09:00:00Z
                source            -
                requested by      uid 1000, pid 4242

                """
        )
    }

    /// A current daemon's record of a discovered, extended, warned and confirmed task: every key shown.
    @Test func taskBlockShowsConfirmationWarningAndExtension() throws {
        let daemon = try FakeDaemon(script: .answer(Fixtures.stoppedTaskAnswer))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "status", Fixtures.taskID])
        daemon.finish()
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(
            outcome.standardOutput == """
                id                0b6c9f6e-3c2f-4a63-9a43-2f0f5d1c7a11
                state             stopped
                maia status       STOPPED
                watched at        2026-11-29T09:00:00.000Z
                started at        2026-11-29T08:45:00.000Z
                deadline          2026-11-29T09:45:00.000Z
                max runtime       45min
                extended          15min
                warned at         2026-11-29T09:40:00.000Z
                attempts          1
                last http status  204
                last error        -
                confirmed at      2026-11-29T09:45:20.000Z
                updated at        2026-11-29T09:45:20.000Z
                source            discovery
                requested by      -

                """
        )
    }

    /// `extended_s` of 0 (not extended) shows no `extended` line, like a missing one.
    @Test func taskBlockLeavesOutAZeroExtension() throws {
        let daemon = try FakeDaemon(script: .answer(#"{"ok":true,"task":"# + Fixtures.awaitingTask + "}"))
        let outcome = try CtlProcess.run(["--socket", daemon.path, "status", Fixtures.thirdTaskID])
        daemon.finish()
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardOutput.contains("max runtime       30min\nattempts          0\n"))
        #expect(outcome.standardOutput.contains("maia status       AWAITING_APPROVAL\n"))
        #expect(outcome.standardOutput.contains("source            socket\nrequested by      uid 1000, pid 77\n"))
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
