import Foundation
import IngestCore
import Logging
import PostgresNIO
import Synchronization

/// The distributed catalog: the same namespace as `SQLiteCatalog` (collections, data objects,
/// replicas, resources, metadata) in a PostgreSQL database that workers on many machines share.
///
/// Writes are batched (a few statements per directory slice whatever its size, arrays bound as
/// parameters), keyed upserts that take row locks in sorted key order so that concurrent batches
/// from many workers do not wait on each other in opposite orders, in transactions where
/// `SQLiteCatalog` uses them. A transaction that PostgreSQL still aborts as a deadlock or
/// serialization victim is run again.
///
/// Lifecycle: `connect(url:logger:)` starts a connection pool (`PostgresPool`, shared with the graph
/// store) and migrates the schema; `close()` stops the pool. Connections are opened on demand and
/// replaced after a server restart: an operation during an outage throws
/// `PostgresCatalogError.unavailable` (after at most `Options.connectionWaitLimit`), and operations
/// after the server is back succeed.
public final class PostgresCatalog: Catalog {
    /// Tuning that deployments rarely change.
    public struct Options: Sendable {
        /// Connections this process keeps at most; each running task uses one at a time.
        public var maximumConnections: Int
        /// How long an operation waits for a connection before it fails as unavailable, so that a
        /// task fails (and is retried) instead of hanging while the server is down.
        public var connectionWaitLimit: Duration

        /// How long one statement may run before its connection is closed and the statement
        /// fails (and runs again): a bound for a server that stops answering without closing.
        public var statementTimeLimit: Duration

        public init(
            maximumConnections: Int = 8, connectionWaitLimit: Duration = .seconds(30),
            statementTimeLimit: Duration = .seconds(600)
        ) {
            self.maximumConnections = maximumConnections
            self.connectionWaitLimit = connectionWaitLimit
            self.statementTimeLimit = statementTimeLimit
        }
    }

    /// Holds the password: never printed whole (`redacted` and `server` are for messages).
    let url: PostgresURL
    let pool: PostgresPool
    let logger: Logger
    let options: Options
    /// Resource ids by name; see `resourceIDs(for:)`.
    let resourceIDCache = Mutex<[String: Int64]>([:])

    private init(url: PostgresURL, options: Options, logger: Logger) {
        self.url = url
        self.options = options
        var logger = logger
        logger[metadataKey: "ingest.catalog"] = "\(url.redacted)"
        self.logger = logger
        pool = PostgresPool(
            url: url,
            configuration: .init(
                maximumConnections: options.maximumConnections, connectionWaitLimit: options.connectionWaitLimit,
                statementTimeLimit: options.statementTimeLimit, translate: { Self.translate($0, url: url) },
                isRetryable: { ($0 as? PostgresCatalogError)?.isRetryable == true }),
            logger: logger)
    }

    /// Connects to the catalog database and brings its schema up to date.
    /// - Parameters:
    ///   - url: `postgres://user[:password]@host[:port]/database[?sslmode=...]` (or `postgresql://`).
    ///   - logger: Where connection problems are logged; the password never appears.
    ///   - options: Pool size and how long an operation waits for a connection.
    /// - Returns: A running catalog; call `close()` when done with it.
    /// - Throws: `IngestError.invalidURL` for a malformed URL, `PostgresCatalogError` when the server
    ///   cannot be reached, refuses the login, or holds a newer schema.
    public static func connect(url: String, logger: Logger, options: Options = Options()) async throws -> PostgresCatalog {
        let parsed = try PostgresURL(parsing: url)
        let catalog = PostgresCatalog(url: parsed, options: options, logger: logger)
        do {
            try await catalog.pool.probe()
            try await catalog.pool.migrate(Self.schema)
        } catch {
            await catalog.close()
            throw error
        }
        return catalog
    }

    /// The server and database (`host:port/database`), for messages.
    public var server: String { url.server }

    /// Stops the connection pool. Operations after this throw `PostgresCatalogError.unavailable`.
    public func close() async {
        await pool.close()
    }
}

// MARK: - Connections and transactions

extension PostgresCatalog {
    /// Runs `body` in a transaction, again (up to a few times) when it is safe and can succeed;
    /// see `PostgresPool.transaction`. `body` must be safe to run twice.
    /// - Parameter readOnly: A read-only snapshot: several statements see the same state.
    func transaction<Result>(readOnly: Bool = false, _ body: (PostgresPool.Connection) async throws -> Result) async throws -> Result {
        try await pool.transaction(readOnly: readOnly, body)
    }

    /// A single statement outside a transaction, its rows collected; run again when its
    /// connection breaks.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await pool.rows(query)
    }

    /// Every error a catalog operation ends with, as a `PostgresCatalogError` that names the server
    /// and the fix (or the caller's own error, as thrown).
    static func translate(_ error: any Error, url: PostgresURL) -> any Error {
        switch error {
        case PostgresPoolFailure.unavailable(let reason): PostgresCatalogError.unavailable(server: url.server, reason: reason)
        case PostgresPoolFailure.connectionLost(let reason): PostgresCatalogError.connectionLost(server: url.server, reason: reason)
        case PostgresPoolFailure.schemaTooNew(let found, let known): PostgresCatalogError.schemaTooNew(server: url.server, found: found, known: known)
        case let error as PSQLError: PostgresCatalogError.from(error, url: url)
        case is PostgresCatalogError, is IngestError, is CancellationError: error
        case let error as PostgresDecodingError:
            PostgresCatalogError.statementFailed(server: url.server, sqlState: "decode", message: "unexpected type in column \(error.columnName)")
        default: PostgresCatalogError.unavailable(server: url.server, reason: "\(error)")
        }
    }
}
