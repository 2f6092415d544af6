import IngestCore
import IngestTesting
import Testing

/// Behaviour every `Catalog` must have, run unchanged against each implementation.
@Suite struct CatalogMetadataTests {
    @Test(arguments: CatalogFactory.allCases)
    func metadataIsReturnedByDataObjectSortedByAttribute(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let triples = [
                MetadataTriple(attribute: "project", value: "ingest"),
                MetadataTriple(attribute: "depth", value: "30", units: "m"),
            ]

            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", metadata: triples)])

            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(object.metadata == [
                MetadataTriple(attribute: "depth", value: "30", units: "m"),
                MetadataTriple(attribute: "project", value: "ingest"),
            ])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func metadataTriplesAreStoredOnceWhenRegisteredAgain(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let triple = MetadataTriple(attribute: "project", value: "ingest", units: "name")
            let registration = inPlaceRegistration("/zone/data", "a.txt", metadata: [triple, triple])

            _ = try await catalog.register([registration])
            _ = try await catalog.register([registration])
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 7, metadata: [triple])])

            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(object.metadata == [triple])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func triplesDifferingOnlyInUnitsAreDistinct(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let metres = MetadataTriple(attribute: "depth", value: "30", units: "m")
            let feet = MetadataTriple(attribute: "depth", value: "30", units: "ft")

            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", metadata: [metres, feet])])

            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(Set(object.metadata) == [metres, feet])
        }
    }
}

/// Metadata added after registration, on collections and objects.
@Suite struct CatalogAddedMetadataTests {
    @Test(arguments: CatalogFactory.allCases)
    func addMetadataGoesOnACollectionOrADataObject(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt")])
            let onCollection = MetadataTriple(attribute: "owner", value: "alice")
            let onObject = MetadataTriple(attribute: "quality", value: "good", units: "grade")

            try await catalog.addMetadata([onCollection, onCollection], to: "/zone/data")
            try await catalog.addMetadata([onObject], to: "/zone/data/a.txt")
            try await catalog.addMetadata([onObject], to: "/zone/data/a.txt")

            #expect(try await catalog.collection(at: "/zone/data")?.metadata == [onCollection])
            #expect(try await catalog.dataObject(at: "/zone/data/a.txt")?.metadata == [onObject])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func addMetadataToAnAbsentPathThrowsNotFound(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            await #expect(throws: IngestError.notFoundInCatalog("/zone/missing")) {
                try await subject.catalog.addMetadata([MetadataTriple(attribute: "a", value: "b")], to: "/zone/missing")
            }
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func longMetadataValuesAreKeptWhole(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let long = MetadataTriple(attribute: "description", value: String(repeating: "ümlaut and more ", count: 1_000))

            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", metadata: [long])])
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", metadata: [long])])

            #expect(try await catalog.dataObject(at: "/zone/data/a.txt")?.metadata == [long])
        }
    }
}
