import Foundation
import IngestPostgres
import Logging
import PostgresNIO
import Synchronization

/// One PostgreSQL database holding graph stores: a connection pool, the graph schema's migrations,
/// and operations that cannot hang.
///
/// Every operation is bounded three ways, so a worker whose server died or whose network dropped
/// fails the chunk (which is retried) instead of holding it forever:
/// - waiting for a connection: at most `Options.connectionWaitLimit`;
/// - each statement on the server: `statement_timeout` (and `idle_in_transaction_session_timeout`)
///   set for every connection at startup, so a slow statement is cancelled by the server;
/// - the whole operation on the client: after `Options.operationLimit` without an answer the
///   connection is closed, which fails the statement waiting on it at once. This is the bound that
///   holds when the server cannot answer at all (a dead host, a dropped network).
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
        /// The client closes a connection that has not finished an operation (one transaction, or
        /// one statement outside one) after this long.
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

    /// Holds the password: never printed whole (`server` is for messages).
    let url: PostgresURL
    let client: PostgresClient
    let logger: Logger
    let options: Options
    private let runTask: Task<Void, Never>

    private init(url: PostgresURL, options: Options, logger: Logger) {
        self.url = url
        self.options = options
        var logger = logger
        logger[metadataKey: "ingest.graph.store"] = "\(url.redacted)"
        self.logger = logger
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = max(1, options.maximumConnections)
        configuration.options.connectTimeout = options.connectionWaitLimit
        configuration.options.additionalStartupParameters = Self.startupParameters(options)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runTask = Task { await client.run() }
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
            try await database.probe()
            try await database.migrate()
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// The server and database (`host:port/database`), for messages.
    public var server: String { url.server }

    /// Stops the connection pool. Operations after this throw `PostgresGraphError.unavailable`.
    ///
    /// Waits at most `limit` for the pool to wind down: a pool that still waits on a connection
    /// nobody returns must not keep a worker from exiting.
    public func close(waitingAtMost limit: Duration = .seconds(10)) async {
        runTask.cancel()
        let (ended, end) = AsyncStream.makeStream(of: Void.self)
        let runTask = runTask
        let waiter = Task {
            await runTask.value
            end.finish()
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            end.finish()
        }
        for await _ in ended {}
        waiter.cancel()
        timer.cancel()
    }

    /// Milliseconds, as the server's settings take them; the idle-in-transaction bound frees a
    /// connection whose client vanished between two statements of a transaction, with its locks.
    static func startupParameters(_ options: Options) -> [(String, String)] {
        guard options.statementTimeout > .zero else { return [] }
        let milliseconds = String(options.statementTimeout.components.seconds * 1000 + options.statementTimeout.components.attoseconds / 1_000_000_000_000_000)
        return [("statement_timeout", milliseconds), ("idle_in_transaction_session_timeout", milliseconds)]
    }

    /// Opens and closes one connection outside the pool. Its error says why the pool cannot
    /// connect (refused, wrong password, no such database), where the pool only keeps retrying.
    func probe() async throws {
        do {
            try await url.probeConnection(logger: logger)
        } catch {
            throw translate(error)
        }
    }
}

// MARK: - Bounded operations

extension PostgresGraphDatabase {
    /// Runs `body` on a pooled connection, bounded as the type's documentation says.
    ///
    /// The lease is taken in an unstructured task that hands the connection over until `body` is
    /// done, so that the wait alone is limited, and a caller that gave up returns at once instead
    /// of waiting for a pool that does not answer cancellation. A watchdog closes the connection
    /// when `body` outlives the operation limit; the pool then replaces it.
    func withConnection<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let (client, waitLimit, operationLimit) = (client, options.connectionWaitLimit, options.operationLimit)
        let (leased, lease) = AsyncThrowingStream.makeStream(of: PostgresConnection.self)
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let acquired = Flag()
        let acquisition = Task {
            do {
                try await client.withConnection { connection in
                    acquired.set()
                    lease.yield(connection)
                    for await _ in released {}
                }
            } catch {
                lease.finish(throwing: error)
            }
        }
        let server = url.server
        let timer = Task {
            guard (try? await Task.sleep(for: waitLimit)) != nil, !acquired.isSet else { return }
            lease.finish(throwing: PostgresGraphError.unavailable(server: server, reason: "no connection within \(waitLimit)"))
        }
        defer {
            release.finish()
            timer.cancel()
            acquisition.cancel()
        }
        do {
            var connections = leased.makeAsyncIterator()
            guard let connection = try await withTaskCancellationHandler(
                operation: { try await connections.next() },
                onCancel: { lease.finish(throwing: CancellationError()) })
            else { throw CancellationError() }
            timer.cancel()
            let expired = Flag()
            let watchdog = Task {
                guard (try? await Task.sleep(for: operationLimit)) != nil else { return }
                expired.set()
                // The future form: it closes the channel at once, failing the statement waiting on it.
                let closing: EventLoopFuture<Void> = connection.close()
                closing.whenComplete { _ in }
            }
            defer { watchdog.cancel() }
            do {
                return try await body(connection)
            } catch where expired.isSet {
                // Returned to the pool only once closed, so that the pool knows not to lease it again.
                try? await connection.closeFuture.get()
                throw PostgresGraphError.unavailable(server: server, reason: "no answer within \(operationLimit); the connection was closed")
            }
        } catch {
            throw translate(error)
        }
    }

    /// Runs `body` in a transaction, again (up to a few times) when PostgreSQL aborts it as a
    /// deadlock or serialization victim, so `body` must be safe to run twice.
    func transaction<Result>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let logger = logger
        var attempt = 1
        while true {
            do {
                return try await withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let result = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return result
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PostgresGraphError where error.isRetryable && attempt < 5 {
                logger.debug("graph store transaction retried", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * attempt))
            }
        }
    }

    /// A single statement outside a transaction, its rows collected.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = logger
        return try await withConnection { connection in
            try await connection.query(query, logger: logger).collect()
        }
    }

    func translate(_ error: any Error) -> any Error {
        switch error {
        case let error as PSQLError: PostgresGraphError.from(error, url: url)
        case is PostgresGraphError, is CancellationError: error
        case let error as PostgresDecodingError:
            PostgresGraphError.statementFailed(server: url.server, sqlState: "decode", message: "unexpected type in column \(error.columnName)")
        default: PostgresGraphError.unavailable(server: url.server, reason: "\(error)")
        }
    }
}

/// Set once, read from other tasks.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
