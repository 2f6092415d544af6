import IngestCore
import Logging
import NIOCore
import PostgresNIO

/// A pooled connection whose statements always end: with their rows, their error, or an error
/// when the connection closes under them or the server does not answer within a time limit.
///
/// postgres-nio (1.33) can leave a statement waiting forever when its connection is closed while
/// the statement is queued or running, which happens to every connection when the server
/// restarts; a worker would then hold its task (and renew its lease) forever. So each statement
/// runs in its own task, watched for the connection's closing and a deadline, and the caller
/// stops waiting for the first of the three. An abandoned statement task stays suspended in
/// postgres-nio; it holds no connection the pool would reuse, because the connection is closed.
struct CatalogConnection: Sendable {
    let connection: PostgresConnection
    let server: String
    /// How long one statement may take before its connection is closed and the statement fails.
    let statementTimeLimit: Duration

    /// How soon a statement stuck on a closed connection is given up. Checked by polling, because
    /// a callback on the connection's close future per statement would pile up for its lifetime.
    static let closeCheckInterval: Duration = .seconds(1)

    /// Runs a statement and returns its rows (catalog statements return bounded results).
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        let connection = connection
        let server = server
        let limit = statementTimeLimit
        let outcome = FirstOutcome<[PostgresRow]>()
        let statement = Task {
            do {
                outcome.resolve(.success(try await connection.query(query, logger: logger).collect()))
            } catch {
                outcome.resolve(.failure(Self.translate(error, server: server)))
            }
        }
        let watchdog = Task {
            let clock = ContinuousClock()
            let start = clock.now
            while (try? await Task.sleep(for: Self.closeCheckInterval)) != nil {
                if connection.isClosed {
                    outcome.resolve(.failure(PostgresCatalogError.connectionLost(
                        server: server, reason: "the connection closed during a statement")))
                    return
                }
                if clock.now - start >= limit {
                    // Not run again: a server this slow would most likely be as slow the next time.
                    outcome.resolve(.failure(PostgresCatalogError.unavailable(
                        server: server, reason: "a statement got no answer within \(limit)")))
                    // Statements queued behind this one on the connection would wait for it too.
                    let _: EventLoopFuture<Void> = connection.close()
                    return
                }
            }
        }
        defer { watchdog.cancel() }
        return try await withTaskCancellationHandler {
            try await outcome.value
        } onCancel: {
            statement.cancel()
            outcome.resolve(.failure(CancellationError()))
        }
    }

    /// The same as `query`; the name says that the caller reads the rows.
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        try await self.query(query, logger: logger)
    }

    /// Errors that mean the connection is gone (rather than that the statement was wrong) become
    /// `connectionLost`, which a transaction runs again on a fresh connection.
    static func translate(_ error: any Error, server: String) -> any Error {
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError:
            return PostgresCatalogError.connectionLost(server: server, reason: "\(error.code)")
        case .server:
            // 57P01-57P03: the server is shutting down, crashed or restarting.
            if let state = error.serverInfo?[.sqlState], state.hasPrefix("57P") {
                return PostgresCatalogError.connectionLost(server: server, reason: error.serverInfo?[.message] ?? state)
            }
            return error
        default:
            return error
        }
    }
}
