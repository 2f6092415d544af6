import IngestCore
import IngestTesting
import Testing

/// Behaviour every `Catalog` must have, run unchanged against each implementation.
@Suite struct CatalogReadTests {
    @Test(arguments: CatalogFactory.allCases)
    func replicaStatesReturnsOnlyRequestedExistingNames(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([
                inPlaceRegistration("/zone/data", "a.txt", size: 1, mtimeNanos: 11),
                inPlaceRegistration("/zone/data", "b.txt", size: 2, mtimeNanos: 22),
                inPlaceRegistration("/zone/data", "c.txt", size: 3, mtimeNanos: 33),
                inPlaceRegistration("/zone/other", "a.txt", size: 9, mtimeNanos: 99),
            ])

            let states = try await catalog.replicaStates(in: "/zone/data", names: ["a.txt", "c.txt", "missing.txt"], resource: "inplace")

            #expect(states.mapValues { [$0.objectSize, $0.objectMtimeNanos] } == ["a.txt": [1, 11], "c.txt": [3, 33]])
            #expect(states["a.txt"]?.replica?.size == 1)
            #expect(states["a.txt"]?.replica?.mtimeNanos == 11)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func replicaStatesAnswersMoreNamesThanOneStatementSlice(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let registered = (0..<1_200).map { inPlaceRegistration("/zone/big", "file\($0)", size: Int64($0), mtimeNanos: Int64($0) * 1_000) }
            _ = try await catalog.register(registered)
            let existing = (100..<1_150).map { "file\($0)" }
            let absent = (5_000..<5_020).map { "file\($0)" }

            let states = try await catalog.replicaStates(in: "/zone/big", names: existing + absent, resource: "inplace")

            #expect(states.count == existing.count)
            #expect(Set(states.keys) == Set(existing.map { ExactName($0) }))
            #expect(states["file1149"]?.objectSize == 1_149)
            #expect(states["file1149"]?.objectMtimeNanos == 1_149_000)
            #expect(states["file100"]?.replica?.mtimeNanos == 100_000)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func replicaStatesOfAMissingCollectionIsEmpty(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject async throws in
            let catalog = subject.catalog

            #expect(try await catalog.replicaStates(in: "/zone/nothing", names: ["a.txt"], resource: "inplace").isEmpty)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func replicaStatesHasNoReplicaForAnotherResource(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(StorageResource(name: "vault1", type: "vault", path: "/vaults/one"))
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 1, mtimeNanos: 11)])

            let states = try await catalog.replicaStates(in: "/zone/data", names: ["a.txt"], resource: "vault1")

            #expect(states["a.txt"]?.objectSize == 1)
            #expect(states["a.txt"]?.replica == nil)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func kindDistinguishesCollectionDataObjectAndAbsent(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt")])

            #expect(try await catalog.kind(of: "/zone/data") == .collection)
            #expect(try await catalog.kind(of: "/zone/data/a.txt") == .dataObject)
            #expect(try await catalog.kind(of: "/zone/data/b.txt") == nil)
            #expect(try await catalog.kind(of: "/elsewhere/a.txt") == nil)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func dataObjectOfAnAbsentPathIsNil(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.ensureCollections(["/zone/data"])

            #expect(try await catalog.dataObject(at: "/zone/data/a.txt") == nil)
            #expect(try await catalog.dataObject(at: "/zone/data") == nil)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func listGivesSubCollectionsFirstThenObjectsEachSortedByName(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.ensureCollections(["/zone/data/zeta", "/zone/data/alpha", "/zone/data/alpha/deeper"])
            _ = try await catalog.register([
                inPlaceRegistration("/zone/data", "m.txt", size: 5, mtimeNanos: 55),
                inPlaceRegistration("/zone/data", "b.txt", size: 3, mtimeNanos: 33),
                inPlaceRegistration("/zone/data/alpha", "inner.txt"),
            ])

            let entries = try await catalog.list(collection: "/zone/data")

            #expect(entries == [
                CatalogEntry(kind: .collection, path: "/zone/data/alpha"),
                CatalogEntry(kind: .collection, path: "/zone/data/zeta"),
                CatalogEntry(kind: .dataObject, path: "/zone/data/b.txt", size: 3, mtimeNanos: 33, replicaCount: 1),
                CatalogEntry(kind: .dataObject, path: "/zone/data/m.txt", size: 5, mtimeNanos: 55, replicaCount: 1),
            ])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func listCountsReplicasOnEveryResource(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(StorageResource(name: "vault1", type: "vault", path: "/vaults/one"))
            _ = try await catalog.register([
                inPlaceRegistration("/zone/data", "a.txt"),
                inPlaceRegistration("/zone/data", "a.txt", resource: "vault1"),
            ])

            let entries = try await catalog.list(collection: "/zone/data")

            #expect(entries.map(\.replicaCount) == [2])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func listOfAMissingCollectionThrowsNotFound(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog

            await #expect(throws: IngestError.notFoundInCatalog("/zone/missing")) {
                try await catalog.list(collection: "/zone/missing")
            }
        }
    }
}
