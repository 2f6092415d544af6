import IngestCore
import IngestSQLite
import Testing

@Suite struct SQLiteCatalogMetadataTests {
    @Test func metadataIsReturnedByDataObjectSortedByAttribute() async throws {
        let fixture = try CatalogFixture()
        let triples = [
            MetadataTriple(attribute: "project", value: "ingest"),
            MetadataTriple(attribute: "depth", value: "30", units: "m"),
        ]

        _ = try await fixture.catalog.register([inPlaceRegistration("/zone/data", "a.txt", metadata: triples)])

        let object = try #require(try await fixture.catalog.dataObject(at: "/zone/data/a.txt"))
        #expect(object.metadata == [
            MetadataTriple(attribute: "depth", value: "30", units: "m"),
            MetadataTriple(attribute: "project", value: "ingest"),
        ])
    }

    @Test func metadataTriplesAreStoredOnceWhenRegisteredAgain() async throws {
        let fixture = try CatalogFixture()
        let triple = MetadataTriple(attribute: "project", value: "ingest", units: "name")
        let registration = inPlaceRegistration("/zone/data", "a.txt", metadata: [triple, triple])

        _ = try await fixture.catalog.register([registration])
        _ = try await fixture.catalog.register([registration])
        _ = try await fixture.catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 7, metadata: [triple])])

        let object = try #require(try await fixture.catalog.dataObject(at: "/zone/data/a.txt"))
        #expect(object.metadata == [triple])
    }

    @Test func triplesDifferingOnlyInUnitsAreDistinct() async throws {
        let fixture = try CatalogFixture()
        let metres = MetadataTriple(attribute: "depth", value: "30", units: "m")
        let feet = MetadataTriple(attribute: "depth", value: "30", units: "ft")

        _ = try await fixture.catalog.register([inPlaceRegistration("/zone/data", "a.txt", metadata: [metres, feet])])

        let object = try #require(try await fixture.catalog.dataObject(at: "/zone/data/a.txt"))
        #expect(Set(object.metadata) == [metres, feet])
    }
}
