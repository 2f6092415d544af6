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
/// Lifecycle: `connect(url:logger:)` starts a connection pool (postgres-nio's `PostgresClient`,
/// whose `run()` this catalog runs in a task it owns) and migrates the schema; `close()` stops the
/// pool. Connections are opened on demand and replaced after a server restart: an operation during
/// an outage throws `PostgresCatalogError.unavailable` (after at most
/// `Options.connectionWaitLimit`), and operations after the server is back succeed.
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
    let client: PostgresClient
    let logger: Logger
    let options: Options
    private let runTask: Task<Void, Never>
    /// Resource ids by name; see `resourceIDs(for:)`.
    let resourceIDCache = Mutex<[String: Int64]>([:])

    private init(url: PostgresURL, options: Options, logger: Logger) {
        self.url = url
        self.options = options
        var logger = logger
        logger[metadataKey: "ingest.catalog"] = "\(url.redacted)"
        self.logger = logger
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = max(1, options.maximumConnections)
        configuration.options.connectTimeout = options.connectionWaitLimit
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runTask = Task { await client.run() }
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
            try await catalog.probe()
            try await catalog.migrate()
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
        runTask.cancel()
        await runTask.value
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

    /// `diagnoseWait`, but never longer than a few seconds: a server that accepts connections and
    /// never finishes their start-up would keep the probe waiting too.
    func boundedDiagnosis(_ limit: Duration) async -> any Error {
        let outcome = FirstOutcome<any Error>()
        let server = url.server
        let diagnosis = Task { outcome.resolve(.success(await self.diagnoseWait(limit))) }
        let deadline = Task {
            guard (try? await Task.sleep(for: .seconds(10))) != nil else { return }
            outcome.resolve(.success(PostgresCatalogError.unavailable(
                server: server, reason: "no connection within \(limit), and a new one did not finish starting in 10 seconds")))
        }
        defer {
            diagnosis.cancel()
            deadline.cancel()
        }
        return (try? await outcome.value) ?? PostgresCatalogError.unavailable(server: server, reason: "no connection within \(limit)")
    }

    /// Why no connection came within the wait limit: what a fresh connection attempt runs into, or,
    /// when that succeeds, that this process's connections were all busy.
    func diagnoseWait(_ limit: Duration) async -> any Error {
        do {
            try await probe()
            return PostgresCatalogError.unavailable(
                server: url.server,
                reason: "no free connection within \(limit): all \(options.maximumConnections) connections of this process are busy")
        } catch {
            return error
        }
    }
}

// MARK: - Connections and transactions

extension PostgresCatalog {
    /// Runs `body` on a pooled connection, failing as unavailable when none comes within the wait
    /// limit: while the server is down the pool itself keeps a request waiting for a minute, or
    /// longer while it backs off after an outage.
    ///
    /// The lease is taken in an unstructured task that hands the connection over until `body` is
    /// done, so that only the wait is limited (not the work), `body` need not escape, and a caller
    /// that gave up (wait limit, cancellation) returns at once instead of waiting for a pool that
    /// does not answer cancellation.
    func withConnection<Result>(_ body: (CatalogConnection) async throws -> Result) async throws -> Result {
        let client = client
        let limit = options.connectionWaitLimit
        let (leased, lease) = AsyncThrowingStream.makeStream(of: PostgresConnection.self)
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let acquired = AcquiredFlag()
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
        let timer = Task {
            guard (try? await Task.sleep(for: limit)) != nil, !acquired.isSet else { return }
            lease.finish(throwing: await self.boundedDiagnosis(limit))
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
            return try await body(CatalogConnection(
                connection: connection, server: url.server, statementTimeLimit: options.statementTimeLimit))
        } catch {
            throw translate(error)
        }
    }

    /// Runs `body` in a transaction, again (up to a few times) when PostgreSQL aborts it as a
    /// deadlock or serialization victim or its connection breaks, so `body` must be safe to run
    /// twice.
    /// - Parameter readOnly: A read-only snapshot: several statements see the same state.
    func transaction<Result>(readOnly: Bool = false, _ body: (CatalogConnection) async throws -> Result) async throws -> Result {
        let logger = logger
        let begin: PostgresQuery = readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN"
        let server = url.server
        return try await retrying {
            try await withConnection { connection in
                try await connection.query(begin, logger: logger)
                do {
                    let result = try await body(connection)
                    do {
                        try await connection.query("COMMIT", logger: logger)
                    } catch PostgresCatalogError.connectionLost(_, let reason) {
                        // The server may have committed before the connection broke: running the
                        // body again could act twice (a second trash move, counts as unchanged).
                        // The task is retried instead, from what the catalog then holds.
                        throw PostgresCatalogError.unavailable(
                            server: server, reason: "the connection broke during COMMIT (\(reason)); whether it took effect is unknown")
                    }
                    return result
                } catch {
                    // A lost connection rolled the transaction back on the server already.
                    if !connection.connection.isClosed {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                    }
                    throw error
                }
            }
        }
    }

    /// A single statement outside a transaction, its rows collected; run again when its
    /// connection breaks.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = logger
        return try await retrying {
            try await withConnection { connection in
                try await connection.rows(query, logger: logger)
            }
        }
    }

    /// Runs `operation` up to five times while it fails with a retryable error, with a short
    /// random pause that grows with each attempt.
    private func retrying<Result>(_ operation: () async throws -> Result) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let error as PostgresCatalogError where error.isRetryable && attempt < 5 {
                logger.info("catalog operation runs again", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * attempt))
            }
        }
    }

    func translate(_ error: any Error) -> any Error {
        switch error {
        case let error as PSQLError: PostgresCatalogError.from(error, url: url)
        case is PostgresCatalogError, is IngestError, is CancellationError: error
        case let error as PostgresDecodingError:
            PostgresCatalogError.statementFailed(server: url.server, sqlState: "decode", message: "unexpected type in column \(error.columnName)")
        default: PostgresCatalogError.unavailable(server: url.server, reason: "\(error)")
        }
    }
}

/// Set once a connection is leased, so that the wait limit stops applying.
private final class AcquiredFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
