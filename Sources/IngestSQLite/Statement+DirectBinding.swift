import GRDB
import GRDBSQLite

/// Runs a cached statement with values bound through SQLite's C interface. GRDB's
/// `StatementArguments` boxes every value in an array of existentials and checks it against the
/// statement: for a bulk load of small rows that costs more than SQLite's own insert.
/// Used only for statements GRDB prepared, inside a transaction GRDB opened.
struct DirectStatement {
    private let statement: OpaquePointer
    private let database: Database

    /// Resets `statement` (a finished step and old bindings) so new values can be bound.
    init(_ statement: Statement, database: Database) {
        self.statement = statement.sqliteStatement
        self.database = database
        sqlite3_reset(self.statement)
        sqlite3_clear_bindings(self.statement)
    }

    /// Binds a value to the 1-based parameter `index`.
    func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(statement, index, value)
    }

    func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(statement, index, value)
    }

    func bind(_ index: Int32, _ value: String?) {
        guard let value else {
            sqlite3_bind_null(statement, index)
            return
        }
        var text = value
        text.withUTF8 { bytes in
            // SQLITE_TRANSIENT: SQLite copies the bytes before the call returns. An empty buffer may
            // have no address; a zero-length text needs one, any will do.
            let start = UnsafeRawPointer(bytes.baseAddress) ?? UnsafeRawPointer(statement)
            _ = sqlite3_bind_text(statement, index, start.assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
        }
    }

    /// Steps the statement to its end.
    /// - Throws: `DatabaseError` with SQLite's code and message.
    func execute() throws {
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW { code = sqlite3_step(statement) }
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(database.sqliteConnection))
            sqlite3_reset(statement)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: String(cString: sqlite3_sql(statement)))
        }
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
