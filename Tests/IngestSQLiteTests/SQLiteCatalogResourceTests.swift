import IngestCore
import IngestSQLite
import Testing

@Suite struct SQLiteCatalogResourceTests {
    @Test func newCatalogHasTheInPlaceResource() async throws {
        let fixture = try CatalogFixture()

        #expect(try await fixture.catalog.resources() == [StorageResource.inPlace])
    }

    @Test func ensureResourceAcceptsTheSameDefinitionTwice() async throws {
        let fixture = try CatalogFixture()
        let vault = StorageResource(name: "vault1", type: "vault", path: "/vaults/one")

        try await fixture.catalog.ensureResource(vault)
        try await fixture.catalog.ensureResource(vault)

        #expect(try await fixture.catalog.resources() == [StorageResource.inPlace, vault])
    }

    @Test func ensureResourceRefusesAConflictingDefinitionNamingTheResource() async throws {
        let fixture = try CatalogFixture()
        try await fixture.catalog.ensureResource(StorageResource(name: "vault1", type: "vault", path: "/vaults/one"))

        let error = await #expect(throws: IngestError.self) {
            try await fixture.catalog.ensureResource(StorageResource(name: "vault1", type: "vault", path: "/vaults/two"))
        }

        let message = try #require(error).description
        #expect(message.contains("'vault1'"))
        #expect(message.contains("/vaults/one"))
        #expect(try await fixture.catalog.resources().first { $0.name == "vault1" }?.path == "/vaults/one")
    }

    @Test func ensureResourceRefusesRedefiningInPlaceAsAVault() async throws {
        let fixture = try CatalogFixture()

        await #expect(throws: IngestError.self) {
            try await fixture.catalog.ensureResource(StorageResource(name: "inplace", type: "vault", path: "/vaults/x"))
        }
    }
}
