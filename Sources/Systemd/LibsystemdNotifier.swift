import CSystemd

/// `sd_notify` from libsystemd. Without `NOTIFY_SOCKET` it sends nothing (libsystemd returns 0:
/// "no manager", not an error).
public struct LibsystemdNotifier: SystemdNotifier {
    public init() {}

    public func send(_ assignments: [String]) {
        guard !assignments.isEmpty else { return }
        _ = sd_notify(0, assignments.joined(separator: "\n"))
    }
}
