import ArgumentParser

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `maia-watchdogctl`: the client of the maia-watchdog control socket, for people and scripts.
///
/// Exit status: 0 done; 1 the daemon refused; 2 usage error; 3 the daemon could not be reached.
@main
struct MaiaWatchdogCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maia-watchdogctl",
        abstract: "Hand Maia task IDs to maia-watchdogd and ask it what it is doing.",
        discussion: """
            The daemon is reached over its control socket: --socket, else $MAIA_WATCHDOG_SOCKET, \
            else /run/maia-watchdog/control.sock. The global options may be given before or after \
            the subcommand.

            Exit status: 0 done; 1 the daemon refused (its error code is printed on stderr); \
            2 usage error; 3 the daemon could not be reached or gave no usable answer.
            """,
        subcommands: [
            WatchCommand.self, StopCommand.self, ForgetCommand.self, StatusCommand.self, ListCommand.self,
            ExtendCommand.self, ReleaseCommand.self, MetricsCommand.self,
        ]
    )

    @OptionGroup(title: "Global Options")
    var global: GlobalOptions

    mutating func run() throws {
        throw ValidationError("Missing a subcommand: watch, stop, forget, status or list.")
    }

    /// Replaces ArgumentParser's `main()` so that the exit status follows the contract:
    /// usage errors exit 2 (not `EX_USAGE`), and the daemon's refusals and absence get 1 and 3.
    static func main() {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            finish(usageStatus(for: error), message: fullMessage(for: error))
        }
        do {
            var command = command
            try command.run()
        } catch let error as ControlClientError {
            StandardError.write("maia-watchdogctl: \(error.description)\n")
            exit(error.exitStatus)
        } catch {
            finish(usageStatus(for: error), message: fullMessage(for: error))
        }
        exit(ExitStatus.done)
    }

    /// ArgumentParser reports `--help` as success and every parse or validation problem as
    /// `EX_USAGE`; our contract calls all of those usage errors.
    private static func usageStatus(for error: any Error) -> Int32 {
        exitCode(for: error).isSuccess ? ExitStatus.done : ExitStatus.usage
    }

    /// Prints ArgumentParser's message (help on stdout, errors with usage on stderr) and exits.
    private static func finish(_ status: Int32, message: String) -> Never {
        if status == ExitStatus.done {
            if !message.isEmpty {
                print(message)
            }
        } else if !message.isEmpty {
            StandardError.write(message.hasSuffix("\n") ? message : message + "\n")
        }
        exit(status)
    }

    /// Flushes stdout and exits.
    private static func exit(_ status: Int32) -> Never {
        fflush(nil)
        #if canImport(Glibc)
            Glibc.exit(status)
        #else
            Darwin.exit(status)
        #endif
    }
}
