import IngestCore
import IngestTesting
import Testing

/// Behaviour every `Catalog` must have, run unchanged against each implementation.
@Suite struct CatalogResourceTests {
    @Test(arguments: CatalogFactory.allCases)
    func newCatalogHasTheInPlaceResource(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject async throws in
            let catalog = subject.catalog

            #expect(try await catalog.resources() == [StorageResource.inPlace])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func ensureResourceAcceptsTheSameDefinitionTwice(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let vault = StorageResource(name: "vault1", type: "vault", path: "/vaults/one")

            try await catalog.ensureResource(vault)
            try await catalog.ensureResource(vault)

            #expect(try await catalog.resources() == [StorageResource.inPlace, vault])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func ensureResourceRefusesAConflictingDefinitionNamingTheResource(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(StorageResource(name: "vault1", type: "vault", path: "/vaults/one"))

            let error = await #expect(throws: IngestError.self) {
                try await catalog.ensureResource(StorageResource(name: "vault1", type: "vault", path: "/vaults/two"))
            }

            let message = try #require(error).description
            #expect(message.contains("'vault1'"))
            #expect(message.contains("/vaults/one"))
            #expect(try await catalog.resources().first { $0.name == "vault1" }?.path == "/vaults/one")
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func ensureResourceRefusesRedefiningInPlaceAsAVault(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog

            await #expect(throws: IngestError.self) {
                try await catalog.ensureResource(StorageResource(name: "inplace", type: "vault", path: "/vaults/x"))
            }
        }
    }
}
