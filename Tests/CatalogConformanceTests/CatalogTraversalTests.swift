import IngestCore
import IngestTesting
import Testing

/// Walking the namespace: children, listings in byte order, and paged subtrees.
@Suite struct CatalogTraversalTests {
    @Test(arguments: CatalogFactory.allCases)
    func childrenNamesSubCollectionsAndObjectsDirectlyInside(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([
                inPlaceRegistration("/zone/data", "a.txt"),
                inPlaceRegistration("/zone/data/sub", "b.txt"),
                inPlaceRegistration("/zone/data/sub/deeper", "c.txt"),
            ])

            let children = try await catalog.children(of: "/zone/data")

            #expect(children == CollectionChildren(collections: ["sub"], objects: ["a.txt"]))
            #expect(try await catalog.children(of: "/zone/none") == CollectionChildren(collections: [], objects: []))
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func listSortsNamesByTheirBytes(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register(["b", "B", "a", "_x", "é", "A"].map { inPlaceRegistration("/zone/data", $0) })

            let names = try await catalog.list(collection: "/zone/data").map { LogicalPath.name(of: $0.path) }

            #expect(names == ["A", "B", "_x", "a", "b", "é"])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func objectsUnderAPathComeInPagesUntilTheCursorRunsOut(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register(
                (0..<5).map { inPlaceRegistration("/zone/data", "f\($0)") }
                    + [inPlaceRegistration("/zone/data/sub", "inner"), inPlaceRegistration("/zone/data2", "outside"),
                       inPlaceRegistration("/zone/data_", "outside"), inPlaceRegistration("/zone", "top")])

            var paths: [String] = []
            var pages = 0
            var cursor: Int64?
            repeat {
                let page = try await catalog.objects(under: "/zone/data", after: cursor, limit: 4)
                paths += page.objects.map(\.path)
                cursor = page.cursor
                pages += 1
            } while cursor != nil

            #expect(pages == 2)
            #expect(Set(paths) == Set((0..<5).map { "/zone/data/f\($0)" } + ["/zone/data/sub/inner"]))
            #expect(paths.count == 6)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func objectsUnderAnObjectPathGiveThatObjectWithReplicasAndMetadata(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            let triple = MetadataTriple(attribute: "k", value: "v")
            _ = try await catalog.register([
                inPlaceRegistration("/zone/data", "a.txt", metadata: [triple]), vaultRegistration("/zone/data", "a.txt"),
                inPlaceRegistration("/zone/data", "b.txt"),
            ])

            let first = try await catalog.objects(under: "/zone/data/a.txt", after: nil, limit: 10)
            let next = try await catalog.objects(under: "/zone/data/a.txt", after: 1, limit: 10)

            #expect(first.objects.map(\.path) == ["/zone/data/a.txt"])
            #expect(first.objects.first?.replicas.count == 2)
            #expect(first.objects.first?.metadata == [triple])
            #expect(first.cursor == nil)
            #expect(next.objects.isEmpty && next.cursor == nil)
            #expect(try await catalog.objects(under: "/zone/none", after: nil, limit: 10).objects.isEmpty)
        }
    }
}
