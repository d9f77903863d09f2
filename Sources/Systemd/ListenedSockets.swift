import CSystemd
import Glibc

/// Sockets passed by the service manager (`LISTEN_FDS`, `LISTEN_PID`), via `sd_listen_fds`.
public enum ListenedSockets {
    /// What systemd passed, if anything.
    public enum Passed: Equatable, Sendable {
        case none
        /// A listening stream Unix socket at this descriptor.
        case unixStream(CInt)
        /// Something that cannot be used as the control socket.
        case unusable(String)
    }

    /// The control socket passed by systemd. The environment is left as it is (the daemon never
    /// forks, so nothing inherits it).
    public static func controlSocket() -> Passed {
        let count = sd_listen_fds(0)
        if count < 0 { return .unusable("sd_listen_fds failed: \(String(cString: strerror(-count)))") }
        if count == 0 { return .none }
        let descriptor = SD_LISTEN_FDS_START
        if count > 1 {
            return .unusable("systemd passed \(count) sockets; maia-watchdog.socket must listen on exactly one")
        }
        guard sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 else {
            return .unusable("the socket systemd passed is not a listening stream Unix socket")
        }
        return .unixStream(descriptor)
    }
}
