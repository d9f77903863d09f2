/// Why the saved state cannot be used or a write did not reach the disk. Messages name the file
/// and say what to do; the daemon refuses to start on any of the first four (exit status 65).
public enum TaskStoreError: Error, Sendable, CustomStringConvertible {
    /// The state directory or the store cannot be created, opened or read (permissions, I/O).
    case unreadable(path: String, reason: String)
    /// The file is damaged, is not an SQLite database, or holds a record that cannot be decoded.
    case corrupt(path: String, reason: String)
    /// Written by a newer maia-watchdogd: this build does not know its schema.
    case newerSchema(path: String, found: Int, supported: Int)
    /// An SQLite database that is not a maia-watchdog task store.
    case foreign(path: String, reason: String)
    /// A read or write failed while the daemon was running (the caller's records are not stored).
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the task store \(path): \(reason)"
        case .corrupt(let path, let reason):
            return "the task store \(path) is corrupt: \(reason)"
        case .newerSchema(let path, let found, let supported):
            return
                "the task store \(path) has schema version \(found), newer than this maia-watchdogd supports "
                + "(\(supported)); run the newer version or move the file aside"
        case .foreign(let path, let reason):
            return "\(path) is not a maia-watchdog task store: \(reason)"
        case .writeFailed(let path, let reason):
            return "could not write to the task store \(path): \(reason)"
        }
    }
}
