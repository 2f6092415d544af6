import IngestCore
import IngestTesting
import Testing

/// Worker processes share one catalog, each with its own connections.
@Suite struct CatalogSharingTests {
    @Test(arguments: CatalogFactory.allCases)
    func twoCatalogsOnOneStoreSeeEachOthersWrites(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            try await subject.withSecondCatalog { second in
                _ = try await catalog.register([inPlaceRegistration("/zone/data", "first.txt", size: 1)])
                #expect(try await second.dataObject(at: "/zone/data/first.txt")?.size == 1)

                let outcomes = try await second.register([
                    inPlaceRegistration("/zone/data", "first.txt", size: 1),
                    inPlaceRegistration("/zone/data", "second.txt", size: 2),
                ])
                #expect(outcomes == [.unchanged, .created])
                #expect(try await catalog.replicaStates(in: "/zone/data", names: ["first.txt", "second.txt"], resource: "inplace").count == 2)
            }
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func reopeningACatalogKeepsItsContents(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            try await subject.catalog.ensureResource(vault1)
            _ = try await subject.catalog.register([inPlaceRegistration("/zone/data", "a.txt")])

            try await subject.withSecondCatalog { reopened async throws in
                #expect(try await reopened.kind(of: "/zone/data/a.txt") == .dataObject)
                #expect(try await reopened.resources().map(\.name) == ["inplace", "vault1"])
            }
        }
    }

    /// Many workers register overlapping directory slices at once, in different orders: every batch
    /// succeeds (no deadlock surfaces) and each object is created exactly once.
    @Test(arguments: CatalogFactory.allCases)
    func concurrentOverlappingBatchesCreateEachObjectOnce(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let names = (0..<300).map { "file\($0)" }
            let outcomes = try await subject.withSecondCatalog { second in
                try await withThrowingTaskGroup(of: [UpsertOutcome].self) { group in
                    for worker in 0..<8 {
                        let catalog = worker.isMultiple(of: 2) ? subject.catalog : second
                        var order = names.shuffled()
                        if worker == 1 { order.reverse() }
                        let batch = order.prefix(200).map { inPlaceRegistration("/zone/shared/\($0.suffix(1))", $0) }
                        group.addTask { try await catalog.register(batch) }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
            }

            #expect(outcomes.count == 8 * 200)
            var stored = 0
            for digit in 0..<10 {
                stored += try await subject.catalog.list(collection: "/zone/shared/\(digit)").count
            }
            #expect(stored > 200)
            #expect(outcomes.filter { $0 == .created }.count == stored)
            #expect(outcomes.filter { $0 == .updated }.isEmpty)
        }
    }
}
