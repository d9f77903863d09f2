/// Why the daemon cannot start, and the exit status that says so.
public struct StartFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var status: Int32
    /// For `ERRNO=` on the failed start, where one applies.
    public var errno: Int32?

    public init(_ message: String, status: Int32, errno: Int32? = nil) {
        self.message = message
        self.status = status
        self.errno = errno
    }

    public var description: String { message }
}
