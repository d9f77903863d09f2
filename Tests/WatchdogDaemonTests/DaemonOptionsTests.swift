import Testing

@testable import WatchdogDaemon

/// Where the daemon looks when the command line does not say: the contract's defaults, the directories systemd
/// passes, and the command line over both.
@Suite("Daemon options")
struct DaemonOptionsTests {
    @Test func builtInDefaultsOutsideSystemd() {
        let options = DaemonOptions(
            policyPath: nil, socketPath: nil, stateDirectory: nil, dryRun: false, environment: [:])
        #expect(options.policyPath == "/etc/maia-watchdog/policy.toml")
        #expect(options.socketPath == "/run/maia-watchdog/control.sock")
        #expect(options.stateDirectory == "/var/lib/maia-watchdog")
        #expect(!options.dryRun)
    }

    @Test func systemdDirectoriesComeFromTheEnvironment() {
        let environment = ["RUNTIME_DIRECTORY": "/run/custom", "STATE_DIRECTORY": "/var/lib/custom"]
        let options = DaemonOptions(
            policyPath: nil, socketPath: nil, stateDirectory: nil, dryRun: false, environment: environment)
        #expect(options.socketPath == "/run/custom/control.sock")
        #expect(options.stateDirectory == "/var/lib/custom")
        // A unit listing several directories gets them separated by ":": the first is ours.
        let several = DaemonOptions(
            policyPath: nil, socketPath: nil, stateDirectory: nil, dryRun: false,
            environment: ["RUNTIME_DIRECTORY": "/run/a:/run/b", "STATE_DIRECTORY": "/var/lib/a:/var/lib/b"])
        #expect(several.socketPath == "/run/a/control.sock")
        #expect(several.stateDirectory == "/var/lib/a")
        // Set but empty is unset.
        let empty = DaemonOptions(
            policyPath: nil, socketPath: nil, stateDirectory: nil, dryRun: false,
            environment: ["RUNTIME_DIRECTORY": "", "STATE_DIRECTORY": ""])
        #expect(empty.socketPath == "/run/maia-watchdog/control.sock")
        #expect(empty.stateDirectory == "/var/lib/maia-watchdog")
    }

    @Test func theCommandLineWins() {
        let options = DaemonOptions(
            policyPath: "/tmp/p.toml", socketPath: "/tmp/s.sock", stateDirectory: "/tmp/state", dryRun: true,
            environment: ["RUNTIME_DIRECTORY": "/run/custom", "STATE_DIRECTORY": "/var/lib/custom"])
        #expect(options.policyPath == "/tmp/p.toml")
        #expect(options.socketPath == "/tmp/s.sock")
        #expect(options.stateDirectory == "/tmp/state")
        #expect(options.dryRun)
    }
}
