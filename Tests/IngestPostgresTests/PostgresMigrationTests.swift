import IngestCore
import IngestPostgres
import IngestTesting
import Logging
import PostgresNIO
import Testing

/// The schema is created by versioned migrations that many workers may run at once.
@Suite struct PostgresMigrationTests {
    @Test func aNewDatabaseIsMigratedToTheLatestVersion() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let catalog = try await PostgresCatalog.connect(url: url, logger: .quiet)
            let applied = try await catalog.appliedMigrations()
            let resources = try await catalog.resources()
            await catalog.close()

            #expect(applied == [1])
            #expect(resources == [StorageResource.inPlace])
        }
    }

    @Test func migratingAgainChangesNothing() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let first = try await PostgresCatalog.connect(url: url, logger: .quiet)
            _ = try await first.register([ObjectRegistration(
                collection: "/zone/data", name: "a.txt", size: 1, mtimeNanos: 1, resource: "inplace", physicalPath: "/src/a.txt")])
            await first.close()

            let second = try await PostgresCatalog.connect(url: url, logger: .quiet)
            let applied = try await second.appliedMigrations()
            let resources = try await second.resources()
            let object = try await second.dataObject(at: "/zone/data/a.txt")
            await second.close()

            #expect(applied == [1])
            #expect(resources == [StorageResource.inPlace])
            #expect(object?.size == 1)
        }
    }

    @Test func workersConnectingAtOnceAllSucceed() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let catalog = try await PostgresCatalog.connect(url: url, logger: .quiet)
                        let applied = try await catalog.appliedMigrations()
                        await catalog.close()
                        return applied
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            #expect(applied == Array(repeating: [1], count: 6))
        }
    }

    @Test func aSchemaFromANewerIngestIsRefusedWithAnUpgradeHint() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let catalog = try await PostgresCatalog.connect(url: url, logger: .quiet)
            await catalog.close()
            try await PostgresTestDatabase.execute(on: url, "INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')")

            let error = await #expect(throws: PostgresCatalogError.self) {
                _ = try await PostgresCatalog.connect(url: url, logger: .quiet)
            }

            #expect(error?.description.contains("schema version 99") == true)
            #expect(error?.description.contains("upgrade ingest") == true)
        }
    }
}
