import PostgresNIO

/// Why the PostgreSQL catalog could not do what was asked. Messages name the server (never the
/// password) and what to do; postgres-nio's own errors print only a generic text.
public enum PostgresCatalogError: Error, CustomStringConvertible, Sendable {
    /// No connection within the wait limit, or the connection broke: the server is down,
    /// restarting or unreachable. A worker retries the task later.
    case unavailable(server: String, reason: String)
    /// The connection broke while a statement ran (the server restarted, the network dropped it).
    /// Catalog operations are safe to run twice, so a transaction runs again on a new connection.
    case connectionLost(server: String, reason: String)
    /// The server refused the login.
    case authenticationFailed(server: String, user: String, message: String)
    /// The database in the URL does not exist.
    case databaseMissing(server: String, database: String)
    /// The server rejected a statement.
    case statementFailed(server: String, sqlState: String, message: String)
    /// Another process changed the rows this operation worked on; running it again succeeds.
    case concurrentChange(server: String, what: String)
    /// A newer Ingest migrated the catalog past what this build knows.
    case schemaTooNew(server: String, found: Int, known: Int)

    public var description: String {
        switch self {
        case .unavailable(let server, let reason):
            "PostgreSQL catalog at \(server) is unavailable (\(reason)); check that the server is running and reachable from this machine"
        case .connectionLost(let server, let reason):
            "the connection to the PostgreSQL catalog at \(server) was lost (\(reason)); the operation runs again when the server is back"
        case .authenticationFailed(let server, let user, let message):
            "PostgreSQL at \(server) refused user '\(user)' (\(message)); check the user and password in the catalog URL"
        case .databaseMissing(let server, let database):
            "PostgreSQL at \(server) has no database '\(database)'; create it (createdb \(database)) or name another in the catalog URL"
        case .statementFailed(let server, let sqlState, let message):
            "PostgreSQL catalog at \(server) rejected a statement: \(message) (SQLSTATE \(sqlState))"
        case .concurrentChange(let server, let what):
            "PostgreSQL catalog at \(server): \(what) changed while this operation ran; run it again"
        case .schemaTooNew(let server, let found, let known):
            "PostgreSQL catalog at \(server) has schema version \(found), newer than the \(known) this ingest knows; upgrade ingest on this machine"
        }
    }

    var isRetryable: Bool {
        switch self {
        case .concurrentChange, .connectionLost: true
        case .statementFailed(_, let sqlState, _): PostgresPool.retryableStates.contains(sqlState)
        default: false
        }
    }

    /// Translates postgres-nio's error into one that says what happened and what to do.
    static func from(_ error: PSQLError, url: PostgresURL) -> PostgresCatalogError {
        let server = url.server
        if error.code == .server, let info = error.serverInfo {
            let sqlState = info[.sqlState] ?? "?????"
            let message = info[.message] ?? "no message"
            switch sqlState {
            case "28P01", "28000":
                return .authenticationFailed(server: server, user: url.username, message: message)
            case "3D000":
                return .databaseMissing(server: server, database: url.database)
            case "57P01", "57P02", "57P03":
                // The server is shutting down, crashed or still starting.
                return .unavailable(server: server, reason: message)
            default:
                return .statementFailed(server: server, sqlState: sqlState, message: message)
            }
        }
        return .unavailable(server: server, reason: reason(for: error))
    }

    private static func reason(for error: PSQLError) -> String {
        switch error.code {
        case .serverClosedConnection: "the server closed the connection"
        case .connectionError: "could not connect" + (error.underlying.map { ": \($0)" } ?? "")
        case .poolClosed: "the catalog was closed"
        case .queryCancelled: "the statement was cancelled"
        case .sslUnsupported: "the server does not offer TLS; use sslmode=disable or prefer"
        case .uncleanShutdown: "the connection ended uncleanly"
        default: "\(error.code)"
        }
    }
}
