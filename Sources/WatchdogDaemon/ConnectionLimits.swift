/// How many control connections the daemon keeps open, and for how long an idle one.
///
/// A flood of local connections must not lock legitimate clients out nor starve the daemon of descriptors (the
/// store, Maia's connections, the journal): connections are capped in all and per client process, and one that
/// brings no complete line for `idleTimeout` (an idle client, or a slow one holding a partial line) is closed with
/// an error line. The daemon's own watchdog probe is never refused, so a refused flood does not make the watchdog
/// lie in either direction: the daemon still serves, and says so.
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once, from everyone.
    public var maximum: Int
    /// Connections open at once from one process (`SO_PEERCRED` pid).
    public var perProcess: Int
    /// Without a complete request line or an answer for this long, a connection is closed.
    public var idleTimeout: Duration

    public init(maximum: Int, perProcess: Int, idleTimeout: Duration) {
        self.maximum = maximum
        self.perProcess = perProcess
        self.idleTimeout = idleTimeout
    }

    /// Half the descriptors for clients (between 16 and 4096), 64 per process, 60 s idle: at systemd's hard limit
    /// of 524288 that is 4096 connections; at a limit of 1024, 512.
    public static func standard(descriptorLimit: Int) -> ConnectionLimits {
        ConnectionLimits(
            maximum: min(4096, max(16, descriptorLimit / 2)), perProcess: 64, idleTimeout: .seconds(60))
    }
}
