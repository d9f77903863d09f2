import Glibc
import NIOCore
import WatchdogCore

/// The control socket peer's credentials (`SO_PEERCRED`), taken when the connection is accepted.
struct PeerCredentials: Sendable, Hashable {
    var uid: UInt32
    var gid: UInt32
    var pid: Int32

    var requester: Requester { Requester(uid: uid, pid: pid) }

    /// Reads `SO_PEERCRED` of an accepted Unix-domain channel.
    static func of(_ channel: any Channel) -> EventLoopFuture<PeerCredentials> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        let future: EventLoopFuture<LinuxUCred> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        return future.map { PeerCredentials(uid: $0.uid, gid: $0.gid, pid: $0.pid) }
    }
}

/// Linux's `struct ucred` (`pid_t pid; uid_t uid; gid_t gid;`), which Swift's Glibc module does
/// not export (it needs `_GNU_SOURCE`).
struct LinuxUCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}
