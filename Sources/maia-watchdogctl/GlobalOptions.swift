import ArgumentParser
import WatchdogProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Options every subcommand accepts, before or after the subcommand's name.
struct GlobalOptions: ParsableArguments {
    /// Where the client looks when neither `--socket` nor `$MAIA_WATCHDOG_SOCKET` says otherwise.
    static let defaultSocketPath = "/run/maia-watchdog/control.sock"

    /// The environment variable that overrides ``defaultSocketPath``.
    static let socketEnvironmentVariable = "MAIA_WATCHDOG_SOCKET"

    /// The longest socket path a Unix socket address holds (107 bytes on Linux).
    static let maximumSocketPathBytes = UnixSocketAddress.maximumPathBytes

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's control socket (default: $MAIA_WATCHDOG_SOCKET, else \(defaultSocketPath)).",
            valueName: "path"
        )
    )
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's JSON response line as it came.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Give up on the daemon after this many seconds.", valueName: "seconds"))
    var timeout: Double = 30

    /// The socket to connect to: `--socket`, else `$MAIA_WATCHDOG_SOCKET` when set and not empty,
    /// else ``defaultSocketPath``.
    var socketPath: String {
        if let socket {
            return socket
        }
        if let fromEnvironment = getenv(Self.socketEnvironmentVariable).map({ String(cString: $0) }),
            !fromEnvironment.isEmpty
        {
            return fromEnvironment
        }
        return Self.defaultSocketPath
    }

    /// ``timeout`` as a `Duration`.
    var timeoutDuration: Duration {
        .milliseconds(Int64((timeout * 1000).rounded(.up)))
    }

    func validate() throws {
        guard timeout.isFinite, timeout > 0, timeout <= 86_400 else {
            throw ValidationError("--timeout must be a number of seconds above 0 and at most 86400.")
        }
        let path = socketPath
        guard !path.isEmpty else {
            throw ValidationError("--socket must not be empty.")
        }
        guard path.utf8.count <= Self.maximumSocketPathBytes else {
            throw ValidationError(
                "The socket path '\(path)' is longer than \(Self.maximumSocketPathBytes) bytes, "
                    + "which a Unix socket address cannot hold."
            )
        }
    }
}
