import Foundation
import IngestCore
import IngestPostgres
import IngestTesting
import Logging
import PostgresNIO
import Testing

/// A statement that gets no answer (here: blocked behind another session's lock) fails after the
/// statement time limit instead of holding its task forever, and the catalog keeps working.
@Suite struct PostgresStatementLimitTests {
    @Test func aStatementBlockedPastTheLimitFailsAndTheCatalogStaysUsable() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            // Migrated with the default limit: the tight one is for the statement below, not for a
            // migration slowed by the other tests running at once.
            await (try await PostgresCatalog.connect(url: url, logger: .quiet)).close()
            let catalog = try await PostgresCatalog.connect(
                url: url, logger: .quiet, options: .init(statementTimeLimit: .seconds(1)))
            _ = try await catalog.register([registration("before.txt")])

            let parsed = try PostgresURL(parsing: url)
            let configuration = PostgresConnection.Configuration(
                host: parsed.host, port: parsed.port, username: parsed.username, password: parsed.password,
                database: parsed.database, tls: .disable)
            let locker = try await PostgresConnection.connect(configuration: configuration, id: 9, logger: .quiet)
            try await locker.query("BEGIN", logger: .quiet)
            try await locker.query("LOCK TABLE data_objects IN ACCESS EXCLUSIVE MODE", logger: .quiet)

            let started = ContinuousClock.now
            let error = await #expect(throws: PostgresCatalogError.self) {
                _ = try await catalog.register([registration("blocked.txt")])
            }
            #expect(error?.description.contains("no answer within 1") == true, "\(String(describing: error))")
            #expect(ContinuousClock.now - started < .seconds(15))

            try await locker.query("ROLLBACK", logger: .quiet)
            try await locker.close()
            #expect(try await catalog.register([registration("after.txt")]) == [.created])
            #expect(try await catalog.children(of: "/zone/data").objects.sorted() == ["after.txt", "before.txt"])
            await catalog.close()
        }
    }

    private func registration(_ name: String) -> ObjectRegistration {
        ObjectRegistration(collection: "/zone/data", name: name, size: 1, mtimeNanos: 1, resource: "inplace", physicalPath: "/src/" + name)
    }
}
