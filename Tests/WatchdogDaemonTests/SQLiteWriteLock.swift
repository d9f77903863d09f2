@testable import WatchdogDaemon

/// The write lock of a store file, held from a second connection as another process would hold it (`BEGIN
/// IMMEDIATE`): the store's writer cannot begin its next transaction until ``release()``, and waits for the lock in
/// SQLite's busy handler (its connection's `busy_timeout` is 5 s, so a test releases well within that). Writes
/// submitted meanwhile pile up in the store's pending list, which is what the group-commit tests look at from outside.
final class SQLiteWriteLock {
    private let connection: SQLiteConnection

    /// Takes the write lock of the database at `path` (an existing store file).
    init(path: String) throws {
        connection = try SQLiteConnection(path: path)
        try connection.execute("BEGIN IMMEDIATE")
    }

    /// Ends the transaction, writing nothing, and closes the connection.
    func release() throws {
        try connection.execute("ROLLBACK")
        connection.close()
    }
}
