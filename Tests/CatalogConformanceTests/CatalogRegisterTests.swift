import IngestCore
import IngestTesting
import Testing

/// Behaviour every `Catalog` must have, run unchanged against each implementation.
@Suite struct CatalogRegisterTests {
    @Test(arguments: CatalogFactory.allCases)
    func registerCreatesObjectWithOneInPlaceReplica(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog

            let outcomes = try await catalog.register([
                inPlaceRegistration("/zone/data", "a.txt", size: 42, mtimeNanos: 1_700_000_000_987_654_321)
            ])

            #expect(outcomes == [.created])
            let object = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(object.path == "/zone/data/a.txt")
            #expect(object.size == 42)
            #expect(object.mtimeNanos == 1_700_000_000_987_654_321)
            #expect(object.replicas.count == 1)
            let replica = try #require(object.replicas.first)
            #expect(replica.resource == StorageResource.inPlace.name)
            #expect(replica.physicalPath == "/data/source/zone/data/a.txt")
            #expect(replica.size == 42)
            #expect(replica.mtimeNanos == 1_700_000_000_987_654_321)
            #expect(replica.status == .good)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func registerCreatesTheMissingCollections(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog

            _ = try await catalog.register([inPlaceRegistration("/zone/home/alice/data", "a.txt")])

            #expect(try await catalog.kind(of: "/zone/home") == .collection)
            #expect(try await catalog.kind(of: "/zone/home/alice/data") == .collection)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func registerReturnsOneOutcomePerRegistrationInOrder(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "old.txt")])

            let outcomes = try await catalog.register([
                inPlaceRegistration("/zone/data", "new.txt"),
                inPlaceRegistration("/zone/data", "old.txt"),
                inPlaceRegistration("/zone/other", "new.txt"),
            ])

            #expect(outcomes == [.created, .unchanged, .created])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func registeringTheSameObjectAgainIsUnchangedAndWritesNothing(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let registration = inPlaceRegistration("/zone/data", "a.txt")
            _ = try await catalog.register([registration])
            let before = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            try await letClockAdvance()

            let outcomes = try await catalog.register([registration])

            #expect(outcomes == [.unchanged])
            let after = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(after == before)
            #expect(after.replicas.count == 1)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func changedSizeUpdatesObjectAndReplica(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 100)])
            let before = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            try await letClockAdvance()

            let outcomes = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", size: 250)])

            #expect(outcomes == [.updated])
            let after = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(after.size == 250)
            #expect(after.createdAt == before.createdAt)
            #expect(after.modifiedAt > before.modifiedAt)
            #expect(after.replicas.count == 1)
            let replica = try #require(after.replicas.first)
            #expect(replica.size == 250)
            #expect(replica.modifiedAt > before.replicas[0].modifiedAt)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func changedMtimeUpdatesObjectAndReplica(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", mtimeNanos: 1_000)])
            let before = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            try await letClockAdvance()

            let outcomes = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", mtimeNanos: 2_000)])

            #expect(outcomes == [.updated])
            let after = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(after.mtimeNanos == 2_000)
            #expect(after.modifiedAt > before.modifiedAt)
            #expect(after.replicas.count == 1)
            #expect(after.replicas.first?.mtimeNanos == 2_000)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func alwaysUpdateForcesUpdatedAndRewritesTheReplica(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt")])
            let before = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            try await letClockAdvance()

            let outcomes = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", alwaysUpdate: true)])

            #expect(outcomes == [.updated])
            let after = try #require(try await catalog.dataObject(at: "/zone/data/a.txt"))
            #expect(after.replicas.count == 1)
            let replica = try #require(after.replicas.first)
            #expect(replica.modifiedAt > before.replicas[0].modifiedAt)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func registerWithUnknownResourceListsTheDefinedResources(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await catalog.ensureResource(StorageResource(name: "vault1", type: "vault", path: "/vaults/one"))

            let error = await #expect(throws: IngestError.self) {
                try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", resource: "archive")])
            }

            let message = try #require(error).description
            #expect(message.contains("'archive'"))
            #expect(message.contains("defined: inplace, vault1"))
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func failedRegisterWritesNothing(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject async throws in
            let catalog = subject.catalog

            await #expect(throws: IngestError.self) {
                try await catalog.register([
                    inPlaceRegistration("/zone/data", "good.txt"),
                    inPlaceRegistration("/zone/data", "bad.txt", resource: "archive"),
                ])
            }

            #expect(try await catalog.kind(of: "/zone/data/good.txt") == nil)
            #expect(try await catalog.kind(of: "/zone/data") == nil)
        }
    }
}
