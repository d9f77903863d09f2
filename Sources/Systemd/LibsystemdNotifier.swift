import CSystemd

/// `sd_notify` from libsystemd. Without `NOTIFY_SOCKET` it sends nothing (libsystemd returns 0:
/// "no manager", not an error).
public struct LibsystemdNotifier: SystemdNotifier {
    public init() {}

    public func send(_ assignments: [String]) {
        guard !assignments.isEmpty else { return }
        _ = sd_notify(0, assignments.joined(separator: "\n"))
    }

    /// Whether a service manager listens (`NOTIFY_SOCKET` is set).
    public static func isManaged(environment: [String: String]) -> Bool {
        environment["NOTIFY_SOCKET"].map { !$0.isEmpty } ?? false
    }
}
