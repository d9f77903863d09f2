import WatchdogProtocol

extension Policy {
    /// `[metrics]`: where `/metrics` is served, if anywhere.
    public struct MetricsConfiguration: Sendable, Equatable {
        public var listen: MetricsListen

        public init(listen: MetricsListen = .off) {
            self.listen = listen
        }
    }

    /// `[metrics] listen`: `""` (off), `"HOST:PORT"` (HOST an IP address: `127.0.0.1`, `[::1]`; `localhost` is
    /// `127.0.0.1`), a bare `"PORT"` (on `127.0.0.1`), or an absolute Unix socket path.
    public enum MetricsListen: Sendable, Equatable, CustomStringConvertible {
        case off
        /// `host` is an IP address as written (IPv6 without its brackets).
        case tcp(host: String, port: Int)
        case unix(path: String)

        /// The value as the policy would spell it: `""`, `127.0.0.1:9464`, `[::1]:9464`, `/run/…/metrics.sock`.
        public var description: String {
            switch self {
            case .off: ""
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unix(let path): path
            }
        }

        /// Whether only this host can connect: a Unix socket, `127.0.0.0/8` or `::1`.
        public var isLocal: Bool {
            switch self {
            case .off, .unix: true
            case .tcp(let host, _): host == "::1" || host.hasPrefix("127.")
            }
        }
    }
}
