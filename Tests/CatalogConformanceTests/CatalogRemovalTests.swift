import IngestCore
import IngestTesting
import Testing

/// Entries that vanished from a source: unregistered, or moved to the trash.
@Suite struct CatalogRemovalTests {
    /// Names chosen so that a prefix match written with LIKE, or one that forgets the "/", would
    /// also catch the siblings.
    static let awkwardNames = ["sub", "sub2", "sub_x", "su%", "sub 1", "süb"]

    @Test(arguments: CatalogFactory.allCases)
    func unregisterRemovesObjectsAndWholeSubCollectionsReturningTheirReplicas(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            _ = try await catalog.register([
                inPlaceRegistration("/zone/data", "gone.txt"),
                vaultRegistration("/zone/data", "gone.txt"),
                inPlaceRegistration("/zone/data", "kept.txt"),
                inPlaceRegistration("/zone/data/sub", "inner.txt"),
                inPlaceRegistration("/zone/data/sub/deeper", "deep.txt"),
            ])
            try await catalog.addMetadata([MetadataTriple(attribute: "a", value: "1")], to: "/zone/data/sub")

            let removed = try await catalog.unregister(in: "/zone/data", objects: ["gone.txt", "never.txt"], collections: ["sub"])

            #expect(Set(removed.map(\.physicalPath)) == [
                "/data/source/zone/data/gone.txt", "/vaults/vault1/zone/data/gone.txt",
                "/data/source/zone/data/sub/inner.txt", "/data/source/zone/data/sub/deeper/deep.txt",
            ])
            #expect(removed.first { $0.physicalPath.hasPrefix("/vaults") }?.resource == "vault1")
            #expect(try await catalog.children(of: "/zone/data") == CollectionChildren(collections: [], objects: ["kept.txt"]))
            #expect(try await catalog.kind(of: "/zone/data/sub/deeper") == nil)
            #expect(try await catalog.resourceUsage().map(\.replicas) == [1, 0])
            // A collection made again at the same path starts without the old metadata.
            _ = try await catalog.ensureCollections(["/zone/data/sub"])
            #expect(try await catalog.collection(at: "/zone/data/sub")?.metadata == [])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func unregisteringOneSubCollectionLeavesSiblingsWithSimilarNames(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register(Self.awkwardNames.map { inPlaceRegistration("/zone/data/\($0)", "f.txt") })

            for name in Self.awkwardNames {
                _ = try await catalog.unregister(in: "/zone/data", objects: [], collections: [name])
                let left = try await catalog.children(of: "/zone/data").collections
                #expect(!left.contains(name))
                let expected = Self.awkwardNames.drop(while: { $0 != name }).dropFirst()
                #expect(Set(left) == Set(expected))
                for sibling in expected {
                    #expect(try await catalog.kind(of: "/zone/data/\(sibling)/f.txt") == .dataObject)
                }
            }
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func unregisterInAMissingCollectionRemovesNothing(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt")])

            #expect(try await catalog.unregister(in: "/zone/none", objects: ["a.txt"], collections: ["data"]).isEmpty)
            #expect(try await catalog.kind(of: "/zone/data/a.txt") == .dataObject)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func moveToTrashMovesObjectsAndSubtreesUnderTheTrashRoot(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            _ = try await catalog.register([
                inPlaceRegistration("/zone/home/data", "a.txt"),
                vaultRegistration("/zone/home/data", "a.txt"),
                inPlaceRegistration("/zone/home/data", "kept.txt"),
                vaultRegistration("/zone/home/data/sub/deeper", "b.txt"),
                inPlaceRegistration("/zone/home/data/sub2", "c.txt"),
            ])

            let copies = try await catalog.moveToTrash(
                in: "/zone/home/data", objects: ["a.txt"], collections: ["sub"], trashRoot: "/zone/trash",
                relocate: { resource, path in resource == "vault1" ? path.replacingOccurrences(of: "/vaults/vault1/", with: "/vaults/vault1/trash/") : nil })

            #expect(Set(copies.map { "\($0.resource) \($0.from) -> \($0.to ?? "-")" }) == [
                "vault1 /vaults/vault1/zone/home/data/a.txt -> /vaults/vault1/trash/zone/home/data/a.txt",
                "vault1 /vaults/vault1/zone/home/data/sub/deeper/b.txt -> /vaults/vault1/trash/zone/home/data/sub/deeper/b.txt",
            ])
            #expect(try await catalog.children(of: "/zone/home/data") == CollectionChildren(collections: ["sub2"], objects: ["kept.txt"]))
            let trashed = try #require(try await catalog.dataObject(at: "/zone/trash/home/data/a.txt"))
            #expect(trashed.replicas.map(\.physicalPath) == ["/data/source/zone/home/data/a.txt", "/vaults/vault1/trash/zone/home/data/a.txt"])
            #expect(try await catalog.kind(of: "/zone/trash/home/data/sub/deeper") == .collection)
            #expect(try await catalog.dataObject(at: "/zone/trash/home/data/sub/deeper/b.txt")?.replicas.first?.physicalPath
                == "/vaults/vault1/trash/zone/home/data/sub/deeper/b.txt")
            #expect(try await catalog.list(collection: "/zone/trash/home/data").map(\.path) == [
                "/zone/trash/home/data/sub", "/zone/trash/home/data/a.txt",
            ])
            #expect(try await catalog.kind(of: "/zone/home/data/sub2/c.txt") == .dataObject)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func moveToTrashReplacesWhatTheTrashHeldAndReturnsItsCopiesToDelete(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            let relocate: @Sendable (String, String) -> String? = { _, path in path + ".trashed" }
            _ = try await catalog.register([vaultRegistration("/zone/data", "a.txt", size: 1), vaultRegistration("/zone/data/sub", "b.txt", size: 1)])
            _ = try await catalog.moveToTrash(in: "/zone/data", objects: ["a.txt"], collections: ["sub"], trashRoot: "/zone/trash", relocate: relocate)
            _ = try await catalog.register([vaultRegistration("/zone/data", "a.txt", size: 2), vaultRegistration("/zone/data/sub", "b.txt", size: 2)])

            let copies = try await catalog.moveToTrash(
                in: "/zone/data", objects: ["a.txt"], collections: ["sub"], trashRoot: "/zone/trash", relocate: relocate)

            #expect(Set(copies.filter { $0.to == nil }.map(\.from)) == [
                "/vaults/vault1/zone/data/a.txt.trashed", "/vaults/vault1/zone/data/sub/b.txt.trashed",
            ])
            #expect(copies.filter { $0.to != nil }.count == 2)
            #expect(try await catalog.dataObject(at: "/zone/trash/data/a.txt")?.size == 2)
            #expect(try await catalog.dataObject(at: "/zone/trash/data/sub/b.txt")?.size == 2)
            #expect(try await catalog.resourceUsage().first { $0.resource.name == "vault1" }?.replicas == 2)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func moveToTrashOfOneSubCollectionLeavesSiblingsWithSimilarNames(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register(Self.awkwardNames.map { inPlaceRegistration("/zone/data/\($0)", "f.txt") })

            _ = try await catalog.moveToTrash(in: "/zone/data", objects: [], collections: ["sub"], trashRoot: "/zone/trash", relocate: { _, _ in nil })

            #expect(Set(try await catalog.children(of: "/zone/data").collections) == Set(Self.awkwardNames.dropFirst()))
            #expect(try await catalog.children(of: "/zone/trash/data").collections == ["sub"])
            for name in Self.awkwardNames.dropFirst() {
                #expect(try await catalog.kind(of: "/zone/data/\(name)/f.txt") == .dataObject)
            }
        }
    }
}
