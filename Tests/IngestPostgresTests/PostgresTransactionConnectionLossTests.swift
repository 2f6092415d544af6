import Foundation
import IngestCore
@testable import IngestPostgres
import IngestTesting
import Logging
import PostgresNIO
import Synchronization
import Testing

/// A transaction whose connection is cut (here by `pg_terminate_backend` from a second session)
/// runs again on a new connection when the cut came before COMMIT, since the server rolled it back;
/// when the cut came during COMMIT, whether it took effect is unknown, so it is reported instead of
/// run again, and work that is not idempotent (a trash move) is not done twice.
@Suite struct PostgresTransactionConnectionLossTests {
    @Test func aTransactionWhoseCommitLosesItsConnectionIsReportedAndNotRunAgain() async throws {
        try await withCatalog { catalog, url in
            // A deferred trigger runs inside COMMIT; its sleep holds COMMIT open until the cut.
            try await PostgresTestDatabase.execute(on: url, """
                CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$
                """)
            try await PostgresTestDatabase.execute(on: url, """
                CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON effects DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION slow_commit()
                """)
            let attempts = Attempts()
            let (backends, backend) = AsyncStream.makeStream(of: Int32.self)
            let cut = Task {
                for await pid in backends {
                    return try await Administrator.terminate(pid, on: url, once: "upper(query) = 'COMMIT' AND wait_event = 'PgSleep'")
                }
                return false
            }
            defer { cut.cancel() }

            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresCatalogError.self) {
                try await catalog.transaction { connection in
                    attempts.next()
                    backend.yield(try await Self.backendID(of: connection))
                    try await connection.query("INSERT INTO effects VALUES (1)", logger: .quiet)
                }
            }

            #expect(try await cut.value, "the test cut the connection during COMMIT")
            #expect(attempts.count == 1, "the transaction ran again after its COMMIT lost the connection")
            guard case .unavailable(_, let reason) = error else {
                Issue.record("expected unavailable, got \(String(describing: error))")
                return
            }
            #expect(reason.contains("during COMMIT"), "\(reason)")
            #expect(reason.contains("unknown"), "\(reason)")
            #expect(ContinuousClock.now - started < .seconds(25), "reported when the connection broke, not when COMMIT would have ended")
            #expect(try await catalog.register([registration("after.txt")]) == [.created])
            #expect(try await catalog.children(of: "/zone/data").objects == ["after.txt"])
        }
    }

    @Test func aTransactionThatLosesItsConnectionBeforeCommitRunsAgainAndSucceeds() async throws {
        try await withCatalog { catalog, url in
            let attempts = Attempts()

            let result = try await catalog.transaction { connection in
                let attempt = attempts.next()
                let pid = try await Self.backendID(of: connection)
                try await connection.query("INSERT INTO effects VALUES (\(attempt))", logger: .quiet)
                if attempt == 1 {
                    #expect(try await Administrator.terminate(pid, on: url))
                    try await connection.query("SELECT 1", logger: .quiet)
                }
                return attempt
            }

            #expect(result == 2)
            #expect(attempts.count == 2)
            // The first run was rolled back with its connection: its effect is not there.
            #expect(try await Administrator.attempts(recordedOn: url) == [2])
            #expect(try await catalog.register([registration("after.txt")]) == [.created])
        }
    }

    /// Runs `body` with a catalog on a new database that also holds a table `effects(attempt)`.
    private func withCatalog(_ body: (PostgresCatalog, String) async throws -> Void) async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let catalog = try await PostgresCatalog.connect(url: url, logger: .quiet)
            do {
                try await PostgresTestDatabase.execute(on: url, "CREATE TABLE effects (attempt int NOT NULL)")
                try await body(catalog, url)
                await catalog.close()
            } catch {
                await catalog.close()
                throw error
            }
        }
    }

    private static func backendID(of connection: PostgresPool.Connection) async throws -> Int32 {
        try await connection.rows("SELECT pg_backend_pid()", logger: .quiet).first!.decode(Int32.self)
    }

    private func registration(_ name: String) -> ObjectRegistration {
        ObjectRegistration(collection: "/zone/data", name: name, size: 1, mtimeNanos: 1, resource: "inplace", physicalPath: "/src/" + name)
    }
}

/// How many times a transaction body ran.
private final class Attempts: Sendable {
    private let value = Mutex(0)

    @discardableResult
    func next() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }

    var count: Int { value.withLock { $0 } }
}

/// A second session on the test database, outside the catalog's pool.
private enum Administrator {
    /// Terminates backend `pid` and waits until it is gone; with `condition`, first waits (up to 20
    /// seconds) until its `pg_stat_activity` row matches.
    /// - Returns: Whether the backend was terminated.
    static func terminate(_ pid: Int32, on url: String, once condition: String? = nil) async throws -> Bool {
        try await withConnection(to: url) { connection in
            if let condition {
                let deadline = ContinuousClock.now + .seconds(20)
                let match: PostgresQuery = "SELECT count(*) FROM pg_stat_activity WHERE pid = \(pid) AND \(unescaped: condition)"
                while try await connection.query(match, logger: .quiet).collect().first!.decode(Int.self) == 0 {
                    guard ContinuousClock.now < deadline else { return false }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            let rows = try await connection.query("SELECT pg_terminate_backend(\(pid), 10000)", logger: .quiet).collect()
            return try rows.first!.decode(Bool.self)
        }
    }

    /// The rows of `effects`, in order.
    static func attempts(recordedOn url: String) async throws -> [Int] {
        try await withConnection(to: url) { connection in
            try await connection.query("SELECT attempt FROM effects ORDER BY attempt", logger: .quiet).collect()
                .map { try $0.decode(Int.self) }
        }
    }

    private static func withConnection<Result>(to url: String, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let parsed = try PostgresURL(parsing: url)
        let configuration = PostgresConnection.Configuration(
            host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
            database: parsed.database, tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 7, logger: .quiet)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
