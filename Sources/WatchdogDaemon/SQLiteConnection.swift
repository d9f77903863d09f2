import CSQLite
import FoundationEssentials
import Glibc

/// One connection to an SQLite database through the system libsqlite3: the few calls the task
/// store needs, with errors as `SQLiteError`.
///
/// Not `Sendable`: a connection belongs to one thread at a time. `SQLiteTaskStore` only ever
/// touches its connection from its own serial queue.
final class SQLiteConnection {
    private(set) var handle: OpaquePointer?
    let path: String

    /// Opens `path`; `readOnly` never creates the file nor writes to it.
    init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var db: OpaquePointer?
        let code = sqlite3_open_v2(path, &db, flags, nil)
        handle = db
        guard code == SQLITE_OK else {
            let error = SQLiteError(code: code, message: db.map { String(cString: sqlite3_errmsg($0)) })
            sqlite3_close_v2(db)
            handle = nil
            throw error
        }
    }

    deinit {
        close()
    }

    func close() {
        guard let handle else { return }
        sqlite3_close_v2(handle)
        self.handle = nil
    }

    /// Runs one or more statements that return no rows worth reading.
    func execute(_ sql: String) throws(SQLiteError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code) }
        return SQLiteStatement(statement, connection: self)
    }

    /// The first column of the first row of `sql`, as text (`PRAGMA` answers and counts).
    func scalarText(_ sql: String) throws(SQLiteError) -> String? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    func scalarInt(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int(0)
    }

    /// Every row of a one-column query, as text (e.g. `PRAGMA integrity_check`).
    func column(_ sql: String) throws(SQLiteError) -> [String] {
        let statement = try prepare(sql)
        var rows: [String] = []
        while try statement.step() { rows.append(statement.text(0) ?? "") }
        return rows
    }

    func error(_ code: Int32) -> SQLiteError {
        SQLiteError(code: code, message: handle.map { String(cString: sqlite3_errmsg($0)) })
    }
}

/// A failed SQLite call: the (extended) result code and SQLite's message.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String?

    /// The primary result code (`SQLITE_CORRUPT`, `SQLITE_NOTADB`, …).
    var primary: Int32 { code & 0xff }

    /// Whether the file is damaged or is not an SQLite database at all.
    var isCorruption: Bool { primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB }

    var description: String {
        let text = String(cString: sqlite3_errstr(code))
        guard let message, message != text else { return "\(text) (SQLite \(code))" }
        return "\(message) (SQLite \(code): \(text))"
    }
}
