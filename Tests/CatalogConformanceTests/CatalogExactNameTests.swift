import IngestCore
import IngestTesting
import Testing

/// NFC `café` and NFD `cafe\u{301}` are equal as Swift strings but two files on Linux: the catalog
/// keeps them as two objects and two collections, and its answers keep them apart.
@Suite struct CatalogExactNameTests {
    static let composed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    @Test(arguments: CatalogFactory.allCases)
    func canonicallyEquivalentObjectNamesAreTwoObjects(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let outcomes = try await catalog.register([
                inPlaceRegistration("/zone/data", Self.composed, size: 1),
                inPlaceRegistration("/zone/data", Self.decomposed, size: 2),
            ])
            #expect(outcomes == [.created, .created])
            let states = try await catalog.replicaStates(in: "/zone/data", names: [Self.composed, Self.decomposed], resource: "inplace")
            #expect(states.count == 2)
            #expect(states[ExactName(Self.composed)]?.objectSize == 1)
            #expect(states[ExactName(Self.decomposed)]?.objectSize == 2)
            let fingerprints = try await catalog.replicaFingerprints(
                in: "/zone/data", names: [Self.composed, Self.decomposed], resource: "inplace", directory: "/src")
            #expect(fingerprints[ExactName(Self.decomposed)]?.size == 2)
            #expect(try await catalog.children(of: "/zone/data").objects.count == 2)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func canonicallyEquivalentCollectionsHoldTheirOwnObjects(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let outcomes = try await catalog.ensureCollections(["/zone/\(Self.composed)", "/zone/\(Self.decomposed)"])
            #expect(outcomes == [.created, .created])
            _ = try await catalog.register([
                inPlaceRegistration("/zone/\(Self.composed)", "a.txt", size: 1),
                inPlaceRegistration("/zone/\(Self.decomposed)", "a.txt", size: 2),
            ])
            let composed = try await catalog.dataObject(at: "/zone/\(Self.composed)/a.txt")
            let decomposed = try await catalog.dataObject(at: "/zone/\(Self.decomposed)/a.txt")
            #expect(composed?.size == 1)
            #expect(decomposed?.size == 2)
            #expect(try await catalog.children(of: "/zone").collections.count == 2)
        }
    }
}
