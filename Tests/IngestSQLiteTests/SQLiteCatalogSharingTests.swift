import IngestCore
import IngestSQLite
import Testing

/// Worker processes on one machine open the same catalog file, each with its own connections.
@Suite struct SQLiteCatalogSharingTests {
    @Test func twoCatalogsOnOneFileSeeEachOthersWrites() async throws {
        let fixture = try CatalogFixture()
        let second = try SQLiteCatalog(path: fixture.databasePath)

        _ = try await fixture.catalog.register([inPlaceRegistration("/zone/data", "first.txt", size: 1)])
        #expect(try await second.dataObject(at: "/zone/data/first.txt")?.size == 1)

        let outcomes = try await second.register([
            inPlaceRegistration("/zone/data", "first.txt", size: 1),
            inPlaceRegistration("/zone/data", "second.txt", size: 2),
        ])
        #expect(outcomes == [.unchanged, .created])
        #expect(try await fixture.catalog.replicaStates(in: "/zone/data", names: ["first.txt", "second.txt"], resource: "inplace").count == 2)
    }

    @Test func reopeningACatalogKeepsItsContents() async throws {
        let fixture = try CatalogFixture()
        try await fixture.catalog.ensureResource(StorageResource(name: "vault1", type: "vault", path: "/vaults/one"))
        _ = try await fixture.catalog.register([inPlaceRegistration("/zone/data", "a.txt")])

        let reopened = try SQLiteCatalog(path: fixture.databasePath)

        #expect(try await reopened.kind(of: "/zone/data/a.txt") == .dataObject)
        #expect(try await reopened.resources().map(\.name) == ["inplace", "vault1"])
    }
}
