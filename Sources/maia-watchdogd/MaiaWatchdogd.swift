import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import Systemd
import WatchdogDaemon

/// `maia-watchdogd`: parses arguments and hands over to `Daemon`. Nothing else lives here.
@main
struct MaiaWatchdogd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maia-watchdogd",
        abstract: "Stops Matillion Maia AI agent tasks that run longer than the policy allows.",
        discussion: """
            Runs in the foreground for systemd (Type=notify). Clients send task IDs on the control \
            socket (maia-watchdogctl, or `echo $ID | socat - UNIX-CONNECT:SOCKET`).
            Exit status: 0 after a clean shutdown, 78 when the policy or credentials are unusable, \
            65 when the saved state is unusable (see --check-state), 1 for any other failure to start.
            """,
        version: MaiaWatchdogVersion.current)

    @Option(help: ArgumentHelp("The policy file.", valueName: "PATH"))
    var policy: String = DaemonOptions.defaultPolicyPath

    @Option(
        help: ArgumentHelp(
            "The control socket (default: $RUNTIME_DIRECTORY/control.sock, else /run/maia-watchdog/control.sock; "
                + "ignored when systemd passes a socket).", valueName: "PATH"))
    var socket: String?

    @Option(
        name: .customLong("state-dir"),
        help: ArgumentHelp(
            "Where tracked tasks are kept (default: $STATE_DIRECTORY, else /var/lib/maia-watchdog).",
            valueName: "PATH"))
    var stateDirectory: String?

    @Flag(name: .customLong("dry-run"), help: "Do everything except the HTTP stop call (logged as \"would stop\").")
    var dryRun = false

    @Flag(help: "Validate the policy, print a summary (or every problem), and exit 0 or 78.")
    var check = false

    @Flag(
        name: .customLong("check-state"),
        help: "Check the saved state read-only, print a summary (or the problem), and exit 0 or 65.")
    var checkState = false

    static func main() async {
        let command: MaiaWatchdogd
        do {
            var parsed = try parseAsRoot()
            guard let root = parsed as? MaiaWatchdogd else {
                // `--help` parses as ArgumentParser's own help command (a cast would crash): its `run` throws the
                // clean exit that is printed below.
                try parsed.run()
                Glibc.exit(Daemon.ExitStatus.success)
            }
            command = root
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            Daemon.printError(fullMessage(for: error))
            Glibc.exit(Daemon.ExitStatus.failure)
        }
        if command.check {
            Glibc.exit(Daemon.check(policyPath: command.policy))
        }
        if command.checkState {
            let options = DaemonOptions(
                policyPath: nil, socketPath: nil, stateDirectory: command.stateDirectory, dryRun: false)
            Glibc.exit(Daemon.checkState(stateDirectory: options.stateDirectory))
        }
        let environment = ProcessInfo.processInfo.environment
        // Under systemd with output to the journal: native journal entries with MAIA_* fields;
        // otherwise plain lines on stderr.
        if JournalLogHandler.stderrIsJournal(environment: environment) {
            LoggingSystem.bootstrap { _ in
                JournalLogHandler(identifier: "maia-watchdogd", messageIDs: WatchdogEvent.messageIDs)
            }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .info
                return handler
            }
        }
        let logger = Logger(label: "maia-watchdogd")
        let options = DaemonOptions(
            policyPath: command.policy, socketPath: command.socket, stateDirectory: command.stateDirectory,
            dryRun: command.dryRun)
        Glibc.exit(await Daemon.run(options, notifier: LibsystemdNotifier(), logger: logger))
    }

    func run() async throws {}
}
