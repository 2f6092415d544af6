import IngestCore
import Logging
import NIOCore
import PostgresNIO

extension PostgresPool {
    /// A leased connection whose statements always end: with their rows, their error, or an error
    /// when the connection closes under them or the server does not answer within a time limit.
    ///
    /// postgres-nio (1.33) never answers a statement sent on a connection that has closed (the
    /// channel drops it, and its promise stays pending), and can leave one waiting when the
    /// connection closes while it is queued or running; either happens to every connection when
    /// the server restarts or ends a session, and a caller awaiting the statement would then wait
    /// forever with nothing left to wake it. So a statement is not sent on a closed connection, and
    /// each statement runs in its own task, watched for the connection's closing and a deadline;
    /// the caller stops waiting for the first of the three. An abandoned statement task stays
    /// suspended in postgres-nio; it holds no connection the pool would reuse, because the
    /// connection is closed.
    package struct Connection: Sendable {
        package let connection: PostgresConnection
        /// How long one statement may take before its connection is closed and the statement fails.
        let statementTimeLimit: Duration

        /// How soon a statement stuck on a closed connection is given up. Checked by polling, because
        /// a callback on the connection's close future per statement would pile up for its lifetime.
        static let closeCheckInterval: Duration = .seconds(1)

        /// Whether the connection has closed (the server ended it, or a statement's time limit did).
        package var isClosed: Bool { connection.isClosed }

        /// Runs a statement and returns its rows (statements here return bounded results).
        /// - Throws: `PostgresPoolFailure.connectionLost` when the connection is closed or closes
        ///   before the answer, `.unavailable` when there is no answer within the statement time
        ///   limit (the connection is then closed, so statements behind it fail too), or
        ///   postgres-nio's error for a statement the server rejected.
        @discardableResult
        package func query(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
            let connection = connection
            guard !connection.isClosed else {
                throw PostgresPoolFailure.connectionLost(reason: "the connection was closed before a statement")
            }
            let limit = statementTimeLimit
            let outcome = FirstOutcome<[PostgresRow]>()
            let statement = Task {
                do {
                    outcome.resolve(.success(try await connection.query(query, logger: logger).collect()))
                } catch {
                    outcome.resolve(.failure(Self.translate(error)))
                }
            }
            let watchdog = Task {
                let clock = ContinuousClock()
                let start = clock.now
                while (try? await Task.sleep(for: Self.closeCheckInterval)) != nil {
                    if connection.isClosed {
                        outcome.resolve(.failure(PostgresPoolFailure.connectionLost(reason: "the connection closed during a statement")))
                        return
                    }
                    if clock.now - start >= limit {
                        // Not run again: a server this slow would most likely be as slow the next time.
                        let failure = PostgresPoolFailure.unavailable(
                            reason: "a statement got no answer within \(limit); the connection was closed")
                        // Only when the statement had not finished: its connection may be leased anew by now.
                        if outcome.resolve(.failure(failure)) {
                            // Statements queued behind this one on the connection would wait for it too.
                            let _: EventLoopFuture<Void> = connection.close()
                        }
                        return
                    }
                }
            }
            defer { watchdog.cancel() }
            do {
                return try await withTaskCancellationHandler {
                    try await outcome.value
                } onCancel: {
                    statement.cancel()
                    outcome.resolve(.failure(CancellationError()))
                }
            } catch PostgresPoolFailure.unavailable(let reason) {
                // Only the watchdog's time limit fails a statement this way, and it closes the
                // connection: handed back to the pool only once closed, so that it is not leased again.
                try? await connection.closeFuture.get()
                throw PostgresPoolFailure.unavailable(reason: reason)
            }
        }

        /// The same as `query`; the name says that the caller reads the rows.
        package func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
            try await self.query(query, logger: logger)
        }

        /// Errors that mean the connection is gone (rather than that the statement was wrong) become
        /// `connectionLost`, which a transaction runs again on a fresh connection.
        static func translate(_ error: any Error) -> any Error {
            guard let error = error as? PSQLError else { return error }
            switch error.code {
            case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .connectionError:
                return PostgresPoolFailure.connectionLost(reason: "\(error.code)")
            case .server:
                // 57P01-57P03: the server is shutting down, crashed or restarting.
                if let state = error.serverInfo?[.sqlState], state.hasPrefix("57P") {
                    return PostgresPoolFailure.connectionLost(reason: error.serverInfo?[.message] ?? state)
                }
                return error
            default:
                return error
            }
        }
    }
}
