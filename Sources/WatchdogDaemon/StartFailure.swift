/// Why the daemon cannot start, and the exit status that says so.
public struct StartFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var status: Int32
    /// For `ERRNO=` on the failed start (the contract: EINVAL for a bad policy, ENOKEY for unusable credentials,
    /// EUCLEAN for unusable saved state, else the failure's own errno; EIO when it carries none).
    public var errno: Int32

    public init(_ message: String, status: Int32, errno: Int32) {
        self.message = message
        self.status = status
        self.errno = errno
    }

    public var description: String { message }
}
