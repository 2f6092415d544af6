import IngestCore
import IngestSQLite
import Testing

@Suite struct SQLiteCatalogCollectionTests {
    @Test func ensureCollectionsCreatesMissingAncestors() async throws {
        let fixture = try CatalogFixture()

        let outcomes = try await fixture.catalog.ensureCollections(["/zone/home/alice"])

        #expect(outcomes == [.created])
        #expect(try await fixture.catalog.kind(of: "/zone") == .collection)
        #expect(try await fixture.catalog.kind(of: "/zone/home") == .collection)
        #expect(try await fixture.catalog.kind(of: "/zone/home/alice") == .collection)
    }

    @Test func ensureCollectionsReportsCreatedAndUnchangedPerPath() async throws {
        let fixture = try CatalogFixture()
        _ = try await fixture.catalog.ensureCollections(["/zone/home/alice"])

        let outcomes = try await fixture.catalog.ensureCollections(["/zone/home/alice", "/zone/home/bob", "/zone"])

        #expect(outcomes == [.unchanged, .created, .unchanged])
    }

    @Test func ensureCollectionsWithNoPathsReturnsNoOutcomes() async throws {
        let fixture = try CatalogFixture()

        #expect(try await fixture.catalog.ensureCollections([]) == [])
    }

    @Test func collectionAtPathReturnsItsPathAndTimestamps() async throws {
        let fixture = try CatalogFixture()
        _ = try await fixture.catalog.ensureCollections(["/zone/data"])

        let collection = try #require(try await fixture.catalog.collection(at: "/zone/data"))

        #expect(collection.path == "/zone/data")
        #expect(collection.createdAt > 0)
        #expect(collection.modifiedAt == collection.createdAt)
        #expect(collection.metadata.isEmpty)
        #expect(try await fixture.catalog.collection(at: "/zone/missing") == nil)
    }
}
