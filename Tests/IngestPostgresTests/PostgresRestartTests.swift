import IngestCore
import IngestPostgres
import IngestTesting
import Testing

/// A PostgreSQL restart cuts every connection: operations during the outage fail (a worker retries
/// the task) and operations afterwards succeed on new connections. Each test stops its own server,
/// so the tests sharing `scripts/test`'s server are not disturbed.
@Suite(.serialized) struct PostgresRestartTests {
    @Test func operationsSucceedAfterTheServerRestarts() async throws {
        try await PostgresTestServer.withPrivate { server in
            let catalog = try await PostgresCatalog.connect(url: server.url(), logger: .quiet)
            _ = try await catalog.register([registration("before.txt")])

            try await server.restart()

            #expect(try await catalog.register([registration("after.txt")]) == [.created])
            #expect(try await catalog.children(of: "/zone/data").objects.sorted() == ["after.txt", "before.txt"])
            await catalog.close()
        }
    }

    @Test func anOperationDuringTheOutageThrowsAndTheNextOneAfterItSucceeds() async throws {
        try await PostgresTestServer.withPrivate { server in
            // Long enough for the pool's next reconnection attempt after the server is back.
            let catalog = try await PostgresCatalog.connect(
                url: server.url(), logger: .quiet, options: .init(connectionWaitLimit: .seconds(5)))
            _ = try await catalog.register([registration("before.txt")])

            try await server.stop()
            let error = await #expect(throws: PostgresCatalogError.self) {
                _ = try await catalog.register([registration("during.txt")])
            }
            #expect(error?.description.contains("unavailable") == true)
            try await server.start()

            #expect(try await catalog.register([registration("during.txt")]) == [.created])
            #expect(try await catalog.kind(of: "/zone/data/before.txt") == .dataObject)
            await catalog.close()
        }
    }

    private func registration(_ name: String) -> ObjectRegistration {
        ObjectRegistration(collection: "/zone/data", name: name, size: 1, mtimeNanos: 1, resource: "inplace", physicalPath: "/src/" + name)
    }
}
