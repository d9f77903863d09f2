/// Talks to the service manager (`sd_notify`). The libsystemd implementation arrives with the
/// systemd issue; until then `NoSystemdNotifier` is used, and tests record what would be sent.
public protocol SystemdNotifier: Sendable {
    /// Sends one datagram of newline-separated `KEY=VALUE` assignments.
    func send(_ assignments: [String])
}

extension SystemdNotifier {
    public func ready(status: String) { send(["READY=1", "STATUS=\(status)"]) }
    public func status(_ text: String) { send(["STATUS=\(text)"]) }
    public func reloading(monotonicMicroseconds: UInt64) {
        send(["RELOADING=1", "MONOTONIC_USEC=\(monotonicMicroseconds)"])
    }
    public func stopping() { send(["STOPPING=1"]) }
    public func watchdog() { send(["WATCHDOG=1"]) }
    public func failed(status: String, errno: Int32) {
        send(["STATUS=\(status)", "ERRNO=\(errno)"])
    }
}

/// Used when no service manager is present (or until libsystemd is wired in).
public struct NoSystemdNotifier: SystemdNotifier {
    public init() {}
    public func send(_ assignments: [String]) {}
}
