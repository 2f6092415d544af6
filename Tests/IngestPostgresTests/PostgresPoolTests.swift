import IngestCore
import IngestPostgres
import IngestTesting
import Logging
import PostgresNIO
import Testing

/// The pool under the catalog and the graph store: a connection the server ends (an administrator,
/// `idle_in_transaction_session_timeout`, a restart) fails the statement sent on it at once, and a
/// transaction on it runs again on a new connection. postgres-nio alone never answers a statement
/// sent on a closed connection, which left operations (and test runs) waiting forever.
@Suite struct PostgresPoolTests {
    @Test func aStatementOnAConnectionTheServerEndedFailsInsteadOfHanging() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let pool = try Self.pool(url)
            let administrator = try await PostgresTestDatabase.connection(to: url)
            await #expect {
                try await finishing(within: .seconds(20)) {
                    try await pool.withConnection { connection in
                        try await Self.endSession(of: connection, by: administrator)
                        try await connection.query("SELECT 1", logger: .quiet)
                    }
                }
            } throws: { error in
                if case PostgresPoolFailure.connectionLost = error { return true }
                return false
            }
            try await administrator.close()
            await pool.close()
        }
    }

    @Test func aTransactionWhoseConnectionTheServerEndedRunsAgainOnANewConnection() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let pool = try Self.pool(url)
            let administrator = try await PostgresTestDatabase.connection(to: url)
            _ = try await pool.rows("CREATE TABLE notes (text TEXT NOT NULL)")
            var attempts = 0
            try await pool.transaction { connection in
                attempts += 1
                let note = "attempt \(attempts)"
                try await connection.query("INSERT INTO notes VALUES (\(note))", logger: .quiet)
                if attempts == 1 { try await Self.endSession(of: connection, by: administrator) }
                try await connection.query("INSERT INTO notes VALUES ('second statement')", logger: .quiet)
            }
            let notes = try await pool.rows("SELECT text FROM notes ORDER BY text").map { try $0.decode(String.self) }
            #expect(attempts == 2)
            #expect(notes == ["attempt 2", "second statement"])
            try await administrator.close()
            await pool.close()
        }
    }

    /// A pool that reports the pool's own failures as they are, for tests to match.
    static func pool(_ url: String) throws -> PostgresPool {
        PostgresPool(
            url: try PostgresURL(parsing: url),
            configuration: .init(maximumConnections: 2, connectionWaitLimit: .seconds(10), statementTimeLimit: .seconds(30), translate: { $0 }),
            logger: .quiet)
    }

    /// Ends the session of `connection` from another one, as an administrator would, and waits
    /// until the client has seen it closed.
    static func endSession(of connection: PostgresPool.Connection, by administrator: PostgresConnection) async throws {
        let pid = try await connection.rows("SELECT pg_backend_pid()", logger: .quiet)[0].decode(Int32.self)
        try await administrator.query("SELECT pg_terminate_backend(\(pid))", logger: .quiet)
        let deadline = ContinuousClock.now + .seconds(10)
        while !connection.isClosed {
            guard ContinuousClock.now < deadline else { throw DidNotFinish(limit: .seconds(10)) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
