import IngestCore
import Logging
import PostgresNIO
import Synchronization

/// A PostgreSQL connection pool whose operations cannot hang, shared by every component that keeps
/// its data in PostgreSQL (the catalog, the graph store).
///
/// Every operation is bounded, so a worker whose server died or whose network dropped fails its
/// task (which is retried) instead of holding it forever:
/// - waiting for a connection: at most `Configuration.connectionWaitLimit`, then the error says why
///   (what a fresh connection runs into, or that every connection is busy);
/// - each statement: `Configuration.statementTimeLimit` without an answer closes the connection
///   and fails the statement, and a statement on a connection that closed fails (see `Connection`).
///
/// The pool is postgres-nio's `PostgresClient`, whose `run()` this type starts in a task it owns
/// before anything can lease a connection, and ends in `close(waitingAtMost:)`.
package final class PostgresPool: Sendable {
    /// How the pool connects and how long it waits; set by the component that owns it.
    package struct Configuration: Sendable {
        /// Connections this process keeps at most; each running operation uses one at a time.
        package var maximumConnections: Int
        /// How long an operation waits for a connection before it fails as unavailable.
        package var connectionWaitLimit: Duration
        /// How long one statement may go without an answer before its connection is closed.
        package var statementTimeLimit: Duration
        /// Server settings for every connection (`statement_timeout`, say).
        package var startupParameters: [(String, String)]
        /// Turns every error an operation ends with (postgres-nio's, `PostgresPoolFailure`, the
        /// body's own) into the owner's error type, which names the server and the fix.
        package var translate: @Sendable (any Error) -> any Error
        /// Errors of the owner's own that a body throws after which running the transaction again
        /// can succeed (a row changed by another process, say). Lost connections, deadlocks and
        /// serialization failures are run again whatever this says.
        package var isRetryable: @Sendable (any Error) -> Bool

        package init(
            maximumConnections: Int, connectionWaitLimit: Duration, statementTimeLimit: Duration,
            startupParameters: [(String, String)] = [], translate: @escaping @Sendable (any Error) -> any Error,
            isRetryable: @escaping @Sendable (any Error) -> Bool = { _ in false }
        ) {
            self.maximumConnections = maximumConnections
            self.connectionWaitLimit = connectionWaitLimit
            self.statementTimeLimit = statementTimeLimit
            self.startupParameters = startupParameters
            self.translate = translate
            self.isRetryable = isRetryable
        }
    }

    /// Holds the password: never printed whole (`redacted` and `server` are for messages).
    package let url: PostgresURL
    package let configuration: Configuration
    package let logger: Logger
    let client: PostgresClient
    private let runTask: Task<Void, Never>

    /// Starts the pool; connections are opened on demand. Call `close(waitingAtMost:)` when done.
    package init(url: PostgresURL, configuration: Configuration, logger: Logger) {
        self.url = url
        self.configuration = configuration
        self.logger = logger
        var clientConfiguration = url.clientConfiguration
        clientConfiguration.options.maximumConnections = max(1, configuration.maximumConnections)
        clientConfiguration.options.connectTimeout = configuration.connectionWaitLimit
        clientConfiguration.options.additionalStartupParameters = configuration.startupParameters
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        self.client = client
        runTask = Task { await client.run() }
    }

    /// The server and database (`host:port/database`), for messages.
    package var server: String { url.server }

    /// Stops the pool. Operations after this fail as unavailable.
    ///
    /// Waits at most `limit` for the pool to wind down: a pool that still waits on a connection
    /// nobody returns must not keep a worker from exiting.
    package func close(waitingAtMost limit: Duration = .seconds(10)) async {
        runTask.cancel()
        let runTask = runTask
        _ = try? await Deadline.race({ await runTask.value }, limit: limit, onTimeout: { .success(()) })
    }

    /// Opens and closes one connection outside the pool. Its error says why the pool cannot
    /// connect (refused, wrong password, no such database), where the pool only keeps retrying.
    /// - Throws: The owner's error (see `Configuration.translate`).
    package func probe() async throws {
        do {
            // As long as an operation waits for a connection: a refusal still comes at once.
            try await url.probeConnection(logger: logger, connectTimeout: configuration.connectionWaitLimit)
        } catch {
            throw configuration.translate(error)
        }
    }
}

// MARK: - Leases

extension PostgresPool {
    /// Runs `body` on a pooled connection, failing as unavailable when none comes within the wait
    /// limit: while the server is down the pool itself keeps a request waiting for a minute, or
    /// longer while it backs off after an outage.
    ///
    /// The lease is taken in an unstructured task that hands the connection over until `body` is
    /// done, so that only the wait is limited (not the work), `body` need not escape, and a caller
    /// that gave up (wait limit, cancellation) returns at once instead of waiting for a pool that
    /// does not answer cancellation.
    /// - Throws: The owner's error (see `Configuration.translate`).
    package func withConnection<Result>(_ body: (Connection) async throws -> Result) async throws -> Result {
        do {
            return try await lease(body)
        } catch {
            throw configuration.translate(error)
        }
    }

    /// `withConnection` with the errors as they come (postgres-nio's, `PostgresPoolFailure`, the
    /// body's), for deciding what to run again.
    private func lease<Result>(_ body: (Connection) async throws -> Result) async throws -> Result {
        let client = client
        let limit = configuration.connectionWaitLimit
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
        var connections = leased.makeAsyncIterator()
        guard let connection = try await withTaskCancellationHandler(
            operation: { try await connections.next() },
            onCancel: { lease.finish(throwing: CancellationError()) })
        else { throw CancellationError() }
        return try await body(Connection(connection: connection, statementTimeLimit: configuration.statementTimeLimit))
    }

    /// `diagnoseWait`, but never longer than a few seconds: a server that accepts connections and
    /// never finishes their start-up would keep the probe waiting too.
    func boundedDiagnosis(_ limit: Duration) async -> any Error {
        let diagnosis: (any Error)? = try? await Deadline.race({ await self.diagnoseWait(limit) }, limit: .seconds(10)) {
            .success(PostgresPoolFailure.unavailable(reason: "no connection within \(limit), and a new one did not finish starting in 10 seconds"))
        }
        return diagnosis ?? PostgresPoolFailure.unavailable(reason: "no connection within \(limit)")
    }

    /// Why no connection came within the wait limit: what a fresh connection attempt runs into, or,
    /// when that succeeds, that this process's connections were all busy.
    func diagnoseWait(_ limit: Duration) async -> any Error {
        do {
            try await url.probeConnection(logger: logger)
            return PostgresPoolFailure.unavailable(
                reason: "no free connection within \(limit): all \(configuration.maximumConnections) connections of this process are busy")
        } catch {
            return error
        }
    }
}

// MARK: - Transactions

extension PostgresPool {
    /// Runs `body` in a transaction, again (up to a few times) when PostgreSQL aborts it as a
    /// deadlock or serialization victim, its connection breaks, or it throws an error the owner
    /// calls retryable, so `body` must be safe to run twice.
    /// - Parameter readOnly: A read-only snapshot: several statements see the same state.
    /// - Throws: The owner's error (see `Configuration.translate`).
    package func transaction<Result>(readOnly: Bool = false, _ body: (Connection) async throws -> Result) async throws -> Result {
        let logger = logger
        let begin: PostgresQuery = readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN"
        return try await retrying {
            try await lease { connection in
                try await connection.query(begin, logger: logger)
                do {
                    let result = try await body(connection)
                    do {
                        try await connection.query("COMMIT", logger: logger)
                    } catch PostgresPoolFailure.connectionLost(let reason) {
                        // The server may have committed before the connection broke: running the
                        // body again could act twice (a second trash move, counts as unchanged).
                        // The task is retried instead, from what the database then holds.
                        throw PostgresPoolFailure.unavailable(
                            reason: "the connection broke during COMMIT (\(reason)); whether it took effect is unknown")
                    }
                    return result
                } catch {
                    // A lost connection rolled the transaction back on the server already.
                    if !connection.isClosed {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                    }
                    throw error
                }
            }
        }
    }

    /// A single statement outside a transaction, its rows collected; run again when its
    /// connection breaks.
    /// - Throws: The owner's error (see `Configuration.translate`).
    package func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = logger
        return try await retrying {
            try await lease { connection in
                try await connection.rows(query, logger: logger)
            }
        }
    }

    /// Runs `operation` up to five times while it fails with a retryable error, with a short
    /// random pause that grows with each attempt; its last error becomes the owner's.
    private func retrying<Result>(_ operation: () async throws -> Result) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch where isRetryable(error) && attempt < 5 {
                logger.info("PostgreSQL operation runs again", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...50) * attempt))
            } catch {
                throw configuration.translate(error)
            }
        }
    }

    /// SQLSTATEs after which running the same transaction again can succeed: serialization
    /// failure and deadlock (PostgreSQL aborted one of two transactions that waited on each other).
    static let retryableStates: Set<String> = ["40001", "40P01"]

    /// Whether an operation that ended with `error` (as it came, see `lease`) can succeed when run
    /// again: on a new connection, or after the transaction it lost to.
    private func isRetryable(_ error: any Error) -> Bool {
        switch error {
        case PostgresPoolFailure.connectionLost: true
        case let error as PSQLError:
            error.code == .server && error.serverInfo?[.sqlState].map(Self.retryableStates.contains) == true
        default: configuration.isRetryable(error)
        }
    }
}

/// Set once a connection is leased, so that the wait limit stops applying.
private final class AcquiredFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
