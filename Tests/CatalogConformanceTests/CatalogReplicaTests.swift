import IngestCore
import IngestTesting
import Testing

/// Replicas on several resources: numbering, staleness when content changes, checksums.
@Suite struct CatalogReplicaTests {
    @Test(arguments: CatalogFactory.allCases)
    func aReplicaOnASecondResourceGetsTheNextNumber(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt")])

            let outcomes = try await catalog.register([vaultRegistration("/zone/data", "a.txt")])

            #expect(outcomes == [.updated])
            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(object.replicas.map(\.number) == [0, 1])
            #expect(object.replicas.map(\.resource) == ["inplace", "vault1"])
            #expect(object.replicas.map(\.status) == [.good, .good])
            #expect(object.replicas[1].physicalPath == "/vaults/vault1/zone/data/a.txt")
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func changedContentMarksReplicasOnOtherResourcesStale(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 100)])
            _ = try await catalog.register([vaultRegistration("/zone/data", "a.txt", size: 100)])
            let before = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            try await letClockAdvance()

            let outcomes = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 300)])

            #expect(outcomes == [.updated])
            let after = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(after.size == 300)
            #expect(after.replicas.map(\.status) == [.good, .stale])
            #expect(after.replicas[1].size == 100)
            #expect(after.replicas[1].modifiedAt > before.replicas[1].modifiedAt)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func rewritingAStaleReplicaMakesItGoodAgain(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 100)])
            _ = try await catalog.register([vaultRegistration("/zone/data", "a.txt", size: 100)])
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 300)])

            let outcomes = try await catalog.register([vaultRegistration("/zone/data", "a.txt", size: 300)])

            #expect(outcomes == [.updated])
            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(object.replicas.map(\.status) == [.good, .good])
            #expect(object.replicas.map(\.size) == [300, 300])
            #expect(object.replicas.map(\.number) == [0, 1])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func aStaleReplicaRegisteredUnchangedIsUpdatedBackToGood(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            _ = try await catalog.register([vaultRegistration("/zone/data", "a.txt", size: 100)])
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 300)])
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 100)])

            let outcomes = try await catalog.register([vaultRegistration("/zone/data", "a.txt", size: 100)])

            #expect(outcomes == [.updated])
            #expect(try await catalog.dataObject(at: "/zone/data/a.txt")?.replicas.map(\.status) == [.good, .good])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func aNewChecksumWithSameSizeAndMtimeIsAnUpdate(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", checksum: "sha2:AAAA")])

            #expect(try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", checksum: "sha2:AAAA")]) == [.unchanged])
            #expect(try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", checksum: "sha2:BBBB")]) == [.updated])

            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(object.checksum == "sha2:BBBB")
            #expect(object.replicas.first?.checksum == "sha2:BBBB")
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func newContentWithoutAChecksumForgetsTheOldOne(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 1, checksum: "sha2:AAAA")])

            #expect(try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 1)]) == [.unchanged])
            #expect(try await catalog.dataObject(at: "/zone/data/a.txt")?.checksum == "sha2:AAAA")
            #expect(try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 2)]) == [.updated])

            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(object.checksum == nil)
            #expect(object.replicas.first?.checksum == nil)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func oneBatchNamingAnObjectTwiceEndsWithItsLastContent(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)

            let outcomes = try await catalog.register([
                inPlaceRegistration("/zone/data", "a.txt", size: 1),
                vaultRegistration("/zone/data", "a.txt", size: 1),
                inPlaceRegistration("/zone/data", "a.txt", size: 1),
                inPlaceRegistration("/zone/data", "a.txt", size: 2),
            ])

            #expect(outcomes == [.created, .updated, .unchanged, .updated])
            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(object.size == 2)
            #expect(object.replicas.map(\.resource) == ["inplace", "vault1"])
            #expect(object.replicas.map(\.status) == [.good, .stale])
            #expect(object.replicas.map(\.size) == [2, 1])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func fingerprintsGiveTheReplicaOnTheResourceAndWhetherItIsInTheDirectory(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            _ = try await catalog.register([
                inPlaceRegistration("/zone/data", "here.txt", size: 1, mtimeNanos: 11),
                ObjectRegistration(
                    collection: "/zone/data", name: "moved.txt", size: 2, mtimeNanos: 22, resource: "inplace",
                    physicalPath: "/elsewhere/moved.txt"),
                vaultRegistration("/zone/data", "vaulted.txt", size: 3, mtimeNanos: 33),
            ])

            let fingerprints = try await catalog.replicaFingerprints(
                in: "/zone/data", names: ["here.txt", "moved.txt", "vaulted.txt", "absent.txt"], resource: "inplace",
                directory: "/data/source/zone/data")

            #expect(fingerprints == [
                "here.txt": ReplicaFingerprint(size: 1, mtimeNanos: 11, isInDirectory: true, physicalPath: "/data/source/zone/data/here.txt"),
                "moved.txt": ReplicaFingerprint(size: 2, mtimeNanos: 22, isInDirectory: false, physicalPath: "/elsewhere/moved.txt"),
            ])
            let withSlash = try await catalog.replicaFingerprints(
                in: "/zone/data", names: ["here.txt"], resource: "inplace", directory: "/data/source/zone/data/")
            #expect(withSlash["here.txt"]?.isInDirectory == true)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func fingerprintsOfUnknownCollectionOrResourceAreEmpty(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt")])

            #expect(try await catalog.replicaFingerprints(in: "/zone/none", names: ["a.txt"], resource: "inplace", directory: "/d").isEmpty)
            #expect(try await catalog.replicaFingerprints(in: "/zone/data", names: ["a.txt"], resource: "nowhere", directory: "/d").isEmpty)
            #expect(try await catalog.replicaFingerprints(in: "/zone/data", names: [], resource: "inplace", directory: "/d").isEmpty)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func resourceUsageCountsReplicasAndBytesPerResource(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(vault1)
            let empty = StorageResource(name: "empty", type: "vault", path: "/vaults/empty")
            try await catalog.ensureResource(empty)
            _ = try await catalog.register([
                inPlaceRegistration("/zone/data", "a.txt", size: 10),
                inPlaceRegistration("/zone/data", "b.txt", size: 5),
                vaultRegistration("/zone/data", "a.txt", size: 10),
            ])

            let usage = try await catalog.resourceUsage()

            #expect(usage == [
                ResourceUsage(resource: empty, replicas: 0, bytes: 0),
                ResourceUsage(resource: StorageResource.inPlace, replicas: 2, bytes: 15),
                ResourceUsage(resource: vault1, replicas: 1, bytes: 10),
            ])
        }
    }
}
