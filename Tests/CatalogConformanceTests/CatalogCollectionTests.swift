import IngestCore
import IngestTesting
import Testing

/// Behaviour every `Catalog` must have, run unchanged against each implementation.
@Suite struct CatalogCollectionTests {
    @Test(arguments: CatalogFactory.allCases)
    func ensureCollectionsCreatesMissingAncestors(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog

            let outcomes = try await catalog.ensureCollections(["/zone/home/alice"])

            #expect(outcomes == [.created])
            #expect(try await catalog.kind(of: "/zone") == .collection)
            #expect(try await catalog.kind(of: "/zone/home") == .collection)
            #expect(try await catalog.kind(of: "/zone/home/alice") == .collection)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func ensureCollectionsReportsCreatedAndUnchangedPerPath(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.ensureCollections(["/zone/home/alice"])

            let outcomes = try await catalog.ensureCollections(["/zone/home/alice", "/zone/home/bob", "/zone"])

            #expect(outcomes == [.unchanged, .created, .unchanged])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func ensureCollectionsWithNoPathsReturnsNoOutcomes(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject async throws in
            let catalog = subject.catalog

            #expect(try await catalog.ensureCollections([]) == [])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func collectionAtPathReturnsItsPathAndTimestamps(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.ensureCollections(["/zone/data"])

            let collection = try #require(try await catalog.collection(at: "/zone/data"))

            #expect(collection.path == "/zone/data")
            #expect(collection.createdAt > 0)
            #expect(collection.modifiedAt == collection.createdAt)
            #expect(collection.metadata.isEmpty)
            #expect(try await catalog.collection(at: "/zone/missing") == nil)
        }
    }
}
