import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A socket file nobody listens on, as a crashed daemon leaves behind: connecting is refused.
struct StaleSocket {
    let path: String

    init() throws {
        path = "/tmp/mwctl-stale-\(UUID().uuidString.prefix(8).lowercased()).sock"
        // Bound but never listening, then closed: the file stays and connecting is refused.
        close(try UnixSocketFile.bound(to: path))
    }

    func remove() {
        unlink(path)
    }
}
