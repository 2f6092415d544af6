import Foundation
import IngestPostgres
import Logging
import PostgresNIO

/// One PostgreSQL database holding graph stores: a connection pool (`PostgresPool`, shared with the
/// catalog), the graph schema's migrations, and operations that cannot hang.
///
/// Every operation is bounded, so a worker whose server died or whose network dropped fails the
/// chunk (which is retried) instead of holding it forever:
/// - waiting for a connection: at most `Options.connectionWaitLimit`;
/// - each statement on the server: `statement_timeout` (and `idle_in_transaction_session_timeout`)
///   set for every connection at startup, so a slow statement is cancelled by the server;
/// - each statement on the client: after `Options.operationLimit` without an answer the
///   connection is closed, which fails the statement. This is the bound that holds when the
///   server cannot answer at all (a dead host, a dropped network). A statement on a connection
///   that closed (the server ended it, or restarted) fails too, and its transaction runs again.
public final class PostgresGraphDatabase: Sendable {
    /// Tuning that deployments rarely change.
    public struct Options: Sendable {
        /// Connections this process keeps at most to this database.
        public var maximumConnections: Int
        /// How long an operation waits for a connection before it fails as unavailable.
        public var connectionWaitLimit: Duration
        /// The server cancels a statement that runs longer (`statement_timeout`); `.zero` leaves
        /// the server's setting.
        public var statementTimeout: Duration
        /// The client closes a connection whose statement has had no answer for this long, and
        /// the statement fails as unavailable.
        public var operationLimit: Duration

        public init(
            maximumConnections: Int = 4, connectionWaitLimit: Duration = .seconds(30), statementTimeout: Duration = .seconds(60),
            operationLimit: Duration = .seconds(90)
        ) {
            self.maximumConnections = maximumConnections
            self.connectionWaitLimit = connectionWaitLimit
            self.statementTimeout = statementTimeout
            self.operationLimit = operationLimit
        }
    }

    let pool: PostgresPool

    private init(url: PostgresURL, options: Options, logger: Logger) {
        var logger = logger
        logger[metadataKey: "ingest.graph.store"] = "\(url.redacted)"
        pool = PostgresPool(
            url: url,
            configuration: .init(
                maximumConnections: options.maximumConnections, connectionWaitLimit: options.connectionWaitLimit,
                statementTimeLimit: options.operationLimit, startupParameters: Self.startupParameters(options),
                translate: { Self.translate($0, url: url) }),
            logger: logger)
    }

    /// Connects to the database and brings the graph schema up to date.
    /// - Parameters:
    ///   - url: `postgres://user[:password]@host[:port]/database[?sslmode=...]` (or `postgresql://`).
    ///   - logger: Where connection problems are logged; the password never appears.
    /// - Returns: A running database; call `close()` when done with it.
    /// - Throws: `IngestError.invalidURL` for a malformed URL, `PostgresGraphError` when the server
    ///   cannot be reached, refuses the login, or holds a newer graph schema.
    public static func connect(url: String, logger: Logger, options: Options = Options()) async throws -> PostgresGraphDatabase {
        try await connect(url: try PostgresURL(parsing: url), logger: logger, options: options)
    }

    /// Connects to the database of a parsed URL (one whose password was filled in by the caller).
    public static func connect(url: PostgresURL, logger: Logger, options: Options = Options()) async throws -> PostgresGraphDatabase {
        let database = PostgresGraphDatabase(url: url, options: options, logger: logger)
        do {
            try await database.pool.probe()
            try await database.pool.migrate(Self.schema)
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// The server and database (`host:port/database`), for messages.
    public var server: String { pool.server }

    /// Where this database's operations are logged.
    var logger: Logger { pool.logger }

    /// Stops the connection pool. Operations after this throw `PostgresGraphError.unavailable`.
    ///
    /// Waits at most `limit` for the pool to wind down: a pool that still waits on a connection
    /// nobody returns must not keep a worker from exiting.
    public func close(waitingAtMost limit: Duration = .seconds(10)) async {
        await pool.close(waitingAtMost: limit)
    }

    /// Milliseconds, as the server's settings take them; the idle-in-transaction bound frees a
    /// connection whose client vanished between two statements of a transaction, with its locks.
    static func startupParameters(_ options: Options) -> [(String, String)] {
        guard options.statementTimeout > .zero else { return [] }
        let milliseconds = String(options.statementTimeout.components.seconds * 1000 + options.statementTimeout.components.attoseconds / 1_000_000_000_000_000)
        return [("statement_timeout", milliseconds), ("idle_in_transaction_session_timeout", milliseconds)]
    }
}

// MARK: - Bounded operations

extension PostgresGraphDatabase {
    /// Runs `body` in a transaction, again (up to a few times) when PostgreSQL aborts it as a
    /// deadlock or serialization victim or its connection breaks, so `body` must be safe to run
    /// twice; see `PostgresPool.transaction`.
    func transaction<Result>(_ body: (PostgresPool.Connection) async throws -> Result) async throws -> Result {
        try await pool.transaction(body)
    }

    /// A single statement outside a transaction, its rows collected; run again when its
    /// connection breaks.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await pool.rows(query)
    }

    /// Every error a graph store operation ends with, as a `PostgresGraphError` that names the
    /// server and the fix.
    static func translate(_ error: any Error, url: PostgresURL) -> any Error {
        switch error {
        case PostgresPoolFailure.unavailable(let reason), PostgresPoolFailure.connectionLost(let reason):
            PostgresGraphError.unavailable(server: url.server, reason: reason)
        case PostgresPoolFailure.schemaTooNew(let found, let known): PostgresGraphError.schemaTooNew(server: url.server, found: found, known: known)
        case let error as PSQLError: PostgresGraphError.from(error, url: url)
        case is PostgresGraphError, is CancellationError: error
        case let error as PostgresDecodingError:
            PostgresGraphError.statementFailed(server: url.server, sqlState: "decode", message: "unexpected type in column \(error.columnName)")
        default: PostgresGraphError.unavailable(server: url.server, reason: "\(error)")
        }
    }
}
