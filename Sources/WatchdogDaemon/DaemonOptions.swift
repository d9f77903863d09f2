import FoundationEssentials
import Glibc

/// Where the daemon finds its policy, socket and state: the command line over the environment
/// systemd provides (`RUNTIME_DIRECTORY`, `STATE_DIRECTORY`, `CREDENTIALS_DIRECTORY`), over the
/// built-in defaults.
public struct DaemonOptions: Sendable {
    public static let defaultPolicyPath = "/etc/maia-watchdog/policy.toml"

    public var policyPath: String
    public var socketPath: String
    public var stateDirectory: String
    public var dryRun: Bool
    public var environment: [String: String]

    public init(
        policyPath: String?,
        socketPath: String?,
        stateDirectory: String?,
        dryRun: Bool,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.policyPath = policyPath ?? Self.defaultPolicyPath
        self.socketPath =
            socketPath
            ?? Self.firstDirectory(environment["RUNTIME_DIRECTORY"]).map { "\($0)/control.sock" }
            ?? "/run/maia-watchdog/control.sock"
        self.stateDirectory =
            stateDirectory ?? Self.firstDirectory(environment["STATE_DIRECTORY"]) ?? "/var/lib/maia-watchdog"
        self.dryRun = dryRun
        self.environment = environment
    }

    /// systemd passes several directories separated by `:` when a unit lists several.
    private static func firstDirectory(_ value: String?) -> String? {
        guard let first = value?.split(separator: ":").first, !first.isEmpty else { return nil }
        return String(first)
    }
}
