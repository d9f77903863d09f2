import WatchdogCore

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

    /// Descriptors kept free beside the connections for everything else: Maia's connections (`reserve` adds the
    /// pool's size), the store's files, the journal, connections being refused.
    public static let headroom = 64

    /// At most half the descriptors, and never so many that the descriptors already `inUse` plus the headroom and
    /// `reserve` would not fit (between 4 and 4096); 64 per process, 60 s idle. At systemd's hard limit of 524288
    /// that is 4096 connections; at a limit of 1024, 512.
    ///
    /// The room matters: when `accept` fails with EMFILE the connection stays queued and the listening socket stays
    /// readable, and SwiftNIO retries the accept on every turn of its loop (a core at 100 %) until a descriptor
    /// frees; connections held open never free one. Kept below the limit, accept never fails that way.
    public static func standard(descriptorLimit: Int, inUse: Int = 0, reserve: Int = 0) -> ConnectionLimits {
        let room = descriptorLimit - inUse - headroom - reserve
        return ConnectionLimits(
            maximum: max(4, min(4096, descriptorLimit / 2, room)), perProcess: 64, idleTimeout: .seconds(60))
    }
}

extension ConnectionLimits {
    /// ``standard(descriptorLimit:inUse:reserve:)`` with Maia's connection pool for `policy` as the reserve
    /// (``Daemon/connections(_:)``: 2 × `[api] max_in_flight` + 1). A reload resizes that pool, so the daemon computes
    /// these limits at start and again at every reload (`Daemon.reloadOutsideEnforcer`); reserving once for the
    /// largest pool the validator allows is no answer, as it allows any `max_in_flight` from 1 up.
    /// When a reload shrinks `maximum` below the connections open, none is closed for it; new ones make room or are
    /// refused as at the cap until enough have gone.
    static func standard(descriptorLimit: Int, inUse: Int, pooledFor policy: Policy) -> ConnectionLimits {
        standard(descriptorLimit: descriptorLimit, inUse: inUse, reserve: Daemon.connections(policy))
    }
}
