import IngestPostgres
import PostgresNIO

/// Why a PostgreSQL graph store could not do what was asked. Messages name the server (never the
/// password) and what to do; postgres-nio's own errors print only a generic text.
public enum PostgresGraphError: Error, CustomStringConvertible, Sendable {
    /// No connection within the wait limit, no answer within the operation limit, or the
    /// connection broke (and kept breaking when run again). A worker retries the chunk later.
    case unavailable(server: String, reason: String)
    /// The server refused the login.
    case authenticationFailed(server: String, user: String, message: String)
    /// The database in the URL does not exist.
    case databaseMissing(server: String, database: String)
    /// The server rejected a statement.
    case statementFailed(server: String, sqlState: String, message: String)
    /// A newer Ingest migrated the graph tables past what this build knows.
    case schemaTooNew(server: String, found: Int, known: Int)

    public var description: String {
        switch self {
        case .unavailable(let server, let reason):
            "PostgreSQL graph store at \(server) is unavailable (\(reason)); check that the server is running and reachable from this machine"
        case .authenticationFailed(let server, let user, let message):
            "PostgreSQL at \(server) refused user '\(user)' (\(message)); check the user and password: a graph's URL is recorded without "
                + "its password, which each process takes from its own catalog URL (same user, host and port) or from PGPASSWORD"
        case .databaseMissing(let server, let database):
            "PostgreSQL at \(server) has no database '\(database)'; create it (createdb \(database)) or name another in the URL"
        case .statementFailed(let server, let sqlState, let message):
            "PostgreSQL graph store at \(server) rejected a statement: \(message) (SQLSTATE \(sqlState))"
        case .schemaTooNew(let server, let found, let known):
            "PostgreSQL graph store at \(server) has graph schema version \(found), newer than the \(known) this ingest knows; upgrade ingest on this machine"
        }
    }

    /// Translates postgres-nio's error into one that says what happened and what to do.
    static func from(_ error: PSQLError, url: PostgresURL) -> PostgresGraphError {
        let server = url.server
        if error.code == .server, let info = error.serverInfo {
            let sqlState = info[.sqlState] ?? "?????"
            let message = info[.message] ?? "no message"
            switch sqlState {
            case "28P01", "28000": return .authenticationFailed(server: server, user: url.username, message: message)
            case "3D000": return .databaseMissing(server: server, database: url.database)
            case "57P01", "57P02", "57P03": return .unavailable(server: server, reason: message)
            default: return .statementFailed(server: server, sqlState: sqlState, message: message)
            }
        }
        let reason: String
        switch error.code {
        case .serverClosedConnection: reason = "the server closed the connection"
        case .connectionError: reason = "could not connect" + (error.underlying.map { ": \($0)" } ?? "")
        case .poolClosed: reason = "the store was closed"
        case .queryCancelled: reason = "the statement was cancelled"
        case .sslUnsupported: reason = "the server does not offer TLS; use sslmode=disable or prefer"
        case .uncleanShutdown: reason = "the connection ended uncleanly"
        default: reason = "\(error.code)"
        }
        return .unavailable(server: server, reason: reason)
    }
}
