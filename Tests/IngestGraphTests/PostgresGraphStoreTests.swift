import Foundation
import IngestCore
import IngestGraph
@testable import IngestGraphPostgres
import IngestPostgres
import IngestTesting
import Logging
import Testing

/// What only the PostgreSQL graph store has: migrations, several graphs per database, chunk writes
/// that take turns, passwords kept out of jobs, and operations that cannot hang.
@Suite struct PostgresGraphStoreTests {
    @Test func migrationsRunOnceWhenManyProcessesConnectAtOnce() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let databases = try await withThrowingTaskGroup(of: PostgresGraphDatabase.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await PostgresGraphDatabase.connect(url: url, logger: .quiet, options: .init(maximumConnections: 1)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(try await databases[0].appliedMigrations() == [1])
            for database in databases { await database.close() }
        }
    }

    @Test func aDatabaseMigratedByANewerIngestIsRefusedWithTheFix() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let database = try await PostgresGraphDatabase.connect(url: url, logger: .quiet)
            await database.close()
            try await PostgresTestDatabase.execute(on: url, "INSERT INTO graph_schema_migrations (version, name) VALUES (99, 'future')")
            await #expect {
                try await PostgresGraphDatabase.connect(url: url, logger: .quiet)
            } throws: { error in
                "\(error)".contains("graph schema version 99, newer than the 1 this ingest knows; upgrade ingest")
            }
        }
    }

    @Test func thePostgresStoreHoldsExactlyTheRowsOfTheSQLiteStore() async throws {
        try await GraphFixture.run(store: .sqlite) { embedded in
            try await GraphFixture.run(store: .postgres) { distributed in
                for fixture in [embedded, distributed] {
                    try await fixture.submit("g", dataset: try fixture.generate(chunks: [3, 2, 3], fanout: 2, seed: 21))
                    #expect(try await fixture.build("g", concurrency: 2).state == .completed)
                }
                let rows = try await embedded.store("g").allNodes()
                #expect(!rows.isEmpty)
                #expect(try await distributed.store("g").allNodes() == rows)
            }
        }
    }

    @Test func graphsSharingADatabaseAreKeptApart() async throws {
        try await GraphFixture.run(store: .postgres) { fixture in
            let first = try fixture.generate("first", chunks: [2, 2, 2], seed: 1)
            let second = try fixture.generate("second", chunks: [3, 1, 2], seed: 2)
            try await fixture.submit("first", dataset: first)
            try await fixture.submit("second", dataset: second)
            try await fixture.build("first")
            try await fixture.build("second")
            #expect(samePartition(try await roots(in: fixture.store("first")), try groundTruth(dataset: first)))
            #expect(samePartition(try await roots(in: fixture.store("second")), try groundTruth(dataset: second)))
        }
    }

    /// The counting rule of `GraphStore.writeChunk`, and that each write leaves the same rows.
    @Test func writingAChunkAgainCountsOnlyForTheSameTaskOrANewRun() async throws {
        try await GraphFixture.run(store: .postgres) { fixture in
            let dataset = try fixture.generate(chunks: [2, 2, 1], seed: 3)
            try await fixture.submit("g", dataset: dataset)
            let store = try await fixture.store("g")
            let meta = try #require(try await store.meta())
            let chunk = ChunkCoordinate(layer: 2, x: 1, y: 0, z: 0)
            let build = try await Layer2Builder(layout: meta.layout, directories: meta.directories).build(chunk)
            #expect(try await store.writeChunk(chunk, build: build, run: "r1", token: "a", layout: meta.layout))
            let rows = try await store.allNodes()
            #expect(rows.count == build.nodes.count + build.roots.count)
            #expect(try await store.writeChunk(chunk, build: build, run: "r1", token: "a", layout: meta.layout), "a re-delivery counts")
            #expect(try await !store.writeChunk(chunk, build: build, run: "r1", token: "b", layout: meta.layout), "a deliberate re-run does not")
            #expect(try await store.writeChunk(chunk, build: build, run: "r2", token: "c", layout: meta.layout), "a new run counts afresh")
            #expect(try await store.allNodes() == rows)
            #expect(try await store.firstUnbuilt([chunk, ChunkCoordinate(layer: 2, x: 0, y: 0, z: 0)], layout: meta.layout)?.x == 0)
        }
    }

    @Test func aChunkBuiltAgainFromLessInputLeavesNoStaleRows() async throws {
        try await GraphFixture.run(store: .sqlite) { embedded in
            try await GraphFixture.run(store: .postgres) { distributed in
                var stores: [[GraphNode]] = []
                for fixture in [embedded, distributed] {
                    try await fixture.submit("g", dataset: try fixture.generate(chunks: [2, 1, 1], seed: 4))
                    let store = try await fixture.store("g")
                    let meta = try #require(try await store.meta())
                    let chunk = ChunkCoordinate(layer: 2, x: 0, y: 0, z: 0)
                    let build = try await Layer2Builder(layout: meta.layout, directories: meta.directories).build(chunk)
                    try #require(build.nodes.count > 1 && !build.roots.isEmpty)
                    try await store.writeChunk(chunk, build: build, run: "r", token: "a", layout: meta.layout)
                    let smaller = ChunkBuild(nodes: [GraphNode(id: build.nodes[0].id, children: build.nodes[0].children, crossEdges: [])], roots: [], parentOfChild: [])
                    try await store.writeChunk(chunk, build: smaller, run: "r", token: "b", layout: meta.layout)
                    stores.append(try await store.allNodes())
                }
                #expect(stores[0].count == 1)
                #expect(stores[1] == stores[0])
            }
        }
    }

    @Test func anOperationWithoutAnAnswerClosesItsConnectionAndFailsInsteadOfHanging() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            try await migrate(url)
            // The server's own bound is off, so only the client's can end the statement.
            let database = try await PostgresGraphDatabase.connect(
                url: url, logger: .quiet, options: .init(maximumConnections: 1, statementTimeout: .zero, operationLimit: .seconds(1)))
            let started = ContinuousClock.now
            await #expect {
                _ = try await database.rows("SELECT pg_sleep(30)")
            } throws: { error in
                "\(error)".contains("is unavailable (a statement got no answer within 1.0 seconds; the connection was closed)")
            }
            #expect(ContinuousClock.now - started < .seconds(15))
            // The pool replaces the closed connection.
            #expect(try await database.rows("SELECT 1").first?.decode(Int.self) == 1)
            await database.close()
        }
    }

    /// A connect whose migration gets no answer (here: it waits for the migration lock, which
    /// another session holds) fails within the limit instead of waiting: the statement is bounded,
    /// and so is the ROLLBACK after it on the connection the limit closed.
    @Test func aConnectWhoseMigrationGetsNoAnswerFailsInsteadOfHanging() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            let locker = try await PostgresTestDatabase.connection(to: url)
            try await locker.query("SELECT pg_advisory_lock(\(PostgresGraphDatabase.schema.lockKey))", logger: .quiet)
            let started = ContinuousClock.now
            await #expect {
                try await finishing(within: .seconds(30)) {
                    _ = try await PostgresGraphDatabase.connect(
                        url: url, logger: .quiet, options: .init(maximumConnections: 1, operationLimit: .seconds(1)))
                }
            } throws: { error in
                error is PostgresGraphError && "\(error)".contains("no answer within 1.0 seconds")
            }
            #expect(ContinuousClock.now - started < .seconds(15))
            try await locker.close()
        }
    }

    @Test func theServerCancelsAStatementThatRunsPastTheStatementTimeout() async throws {
        try await PostgresTestDatabase.withFreshDatabase { url in
            try await migrate(url)
            let database = try await PostgresGraphDatabase.connect(
                url: url, logger: .quiet, options: .init(maximumConnections: 1, statementTimeout: .seconds(1), operationLimit: .seconds(60)))
            await #expect {
                _ = try await database.rows("SELECT pg_sleep(30)")
            } throws: { error in
                "\(error)".contains("SQLSTATE 57014")
            }
            #expect(try await database.rows("SELECT 1").first?.decode(Int.self) == 1)
            await database.close()
        }
    }

    /// Creates the graph tables with the default limits, so that a test's tight limits apply to
    /// its own statements and not to a migration slowed by the other tests running at once.
    private func migrate(_ url: String) async throws {
        let database = try await PostgresGraphDatabase.connect(url: url, logger: .quiet)
        await database.close()
    }

    @Test func aRecordedURLGetsItsPasswordFromTheCatalogURLOrPGPASSWORD() throws {
        let sameServer = PostgresGraphStoreOpener(
            catalogURL: "postgres://ingest:fromcatalog@db:5432/catalog", environment: ["PGPASSWORD": "fromenv"], logger: .quiet)
        #expect(try sameServer.resolve("postgres://ingest@db:5432/graphs").password == "fromcatalog")
        #expect(try sameServer.resolve("postgres://ingest@other:5432/graphs").password == "fromenv")
        #expect(try sameServer.resolve("postgres://ingest:given@other/graphs").password == "given")
        #expect(try sameServer.resolve(nil).database == "catalog")
        let noPassword = PostgresGraphStoreOpener(catalogURL: nil, environment: [:], logger: .quiet)
        #expect(try noPassword.resolve("postgres://ingest@db/graphs").password == nil)
    }

    @Test func aGraphKeptInTheCatalogDatabaseNeedsAPostgresCatalog() async throws {
        let opener = PostgresGraphStoreOpener(catalogURL: "sqlite:/tmp/catalog.sqlite", environment: [:], logger: .quiet)
        await #expect {
            _ = try await opener.open(.postgres(url: nil), graph: "g", create: true)
        } throws: { error in
            let text = "\(error)"
            return text.contains("this process's catalog is sqlite:/tmp/catalog.sqlite") && text.contains("--catalog postgres://")
        }
    }
}
