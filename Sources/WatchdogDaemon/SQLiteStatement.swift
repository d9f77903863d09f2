import CSQLite

/// A prepared statement on a `SQLiteConnection`; reset and reused for every row it writes.
/// Belongs to its connection's thread, like the connection.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private let connection: SQLiteConnection

    init(_ statement: OpaquePointer, connection: SQLiteConnection) {
        self.statement = statement
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(statement)
    }

    /// Clears the bindings and rewinds, ready for the next row.
    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    /// Binds parameters 1… in order; `nil` binds NULL.
    func bind(_ values: [SQLiteValue?]) throws(SQLiteError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case nil:
                code = sqlite3_bind_null(statement, index)
            case .integer(let integer):
                code = sqlite3_bind_int64(statement, index, integer)
            case .real(let real):
                code = sqlite3_bind_double(statement, index, real)
            case .text(let text):
                code = sqlite3_bind_text(statement, index, text, -1, maia_sqlite_transient())
            }
            guard code == SQLITE_OK else { throw connection.error(code) }
        }
    }

    /// Steps once: `true` when a row is available, `false` when done.
    @discardableResult
    func step() throws(SQLiteError) -> Bool {
        let code = sqlite3_step(statement)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(code)
        }
    }

    /// Binds `values`, runs to completion, and resets.
    func run(_ values: [SQLiteValue?]) throws(SQLiteError) {
        defer { reset() }
        try bind(values)
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

    func real(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

    func text(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: text)
    }

    /// The column's storage class, for validating what was read.
    func type(_ column: Int32) -> Int32 { sqlite3_column_type(statement, column) }
}

/// A value to bind.
enum SQLiteValue {
    case integer(Int64)
    case real(Double)
    case text(String)
}
