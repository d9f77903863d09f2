import WatchdogProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Creates Unix sockets bound to a path, for the test doubles (a fake daemon, a `NOTIFY_SOCKET`, a stale socket file).
public enum UnixSocketFile {
    /// A failed system call while making the socket.
    public enum Failure: Error {
        case system(String, Int32)
    }

    /// Returns a new socket of `type` bound to `path`, not yet listening.
    public static func bound(to path: String, type: Int32 = Int32(SOCK_STREAM.rawValue)) throws -> Int32 {
        guard let address = UnixSocketAddress(path: path) else { throw Failure.system("path \(path)", ENAMETOOLONG) }
        let descriptor = socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw Failure.system("socket", errno) }
        let result = address.withSockaddr { bind(descriptor, $0, $1) }
        guard result == 0 else {
            let failure = errno
            close(descriptor)
            throw Failure.system("bind \(path)", failure)
        }
        return descriptor
    }
}
