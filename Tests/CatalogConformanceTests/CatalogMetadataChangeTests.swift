import IngestCore
import IngestTesting
import Testing

/// `applyMetadata`: lists of metadata changes, applied in order in one transaction.
@Suite struct CatalogMetadataChangeTests {
    let depth = MetadataTriple(attribute: "depth", value: "30", units: "m")
    let deeper = MetadataTriple(attribute: "depth", value: "40", units: "m")
    let owner = MetadataTriple(attribute: "owner", value: "alice")

    @Test(arguments: CatalogFactory.allCases)
    func eachChangeWorksOnCollectionsAndDataObjects(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", metadata: [depth, deeper, owner])])
            let feet = MetadataTriple(attribute: "depth", value: "30", units: "ft")

            try await catalog.applyMetadata([
                .add(path: "/zone/data", owner), .add(path: "/zone/data", owner), .add(path: "/zone/data", depth),
                .remove(path: "/zone/data/a.txt", feet), .remove(path: "/zone/data/a.txt", owner),
            ])
            #expect(try await metadata(catalog, "/zone/data") == [depth, owner])
            #expect(try await metadata(catalog, "/zone/data/a.txt") == [depth, deeper], "only the exact triple goes")

            let newDepth = MetadataTriple(attribute: "depth", value: "50", units: "m")
            try await catalog.applyMetadata([.set(path: "/zone/data/a.txt", newDepth), .removeAll(path: "/zone/data", attribute: "owner")])
            #expect(try await metadata(catalog, "/zone/data/a.txt") == [newDepth], "set replaces every value of the attribute")
            #expect(try await metadata(catalog, "/zone/data") == [depth])

            try await catalog.applyMetadata([.removeAll(path: "/zone/data", attribute: nil), .removeAll(path: "/zone/data/a.txt", attribute: nil)])
            #expect(try await metadata(catalog, "/zone/data").isEmpty)
            #expect(try await metadata(catalog, "/zone/data/a.txt").isEmpty)
            try await catalog.applyMetadata([.remove(path: "/zone/data", owner), .removeAll(path: "/zone/data", attribute: "none")])
            #expect(try await metadata(catalog, "/zone/data").isEmpty, "removing what is not there does nothing")
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func changesTakeEffectInTheOrderGiven(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.ensureCollections(["/zone/data"])
            let path = "/zone/data"
            try await catalog.applyMetadata([.add(path: path, depth), .removeAll(path: path, attribute: "depth"), .add(path: path, deeper)])
            #expect(try await metadata(catalog, path) == [deeper])
            try await catalog.applyMetadata([.add(path: path, owner), .remove(path: path, owner)])
            #expect(try await metadata(catalog, path) == [deeper], "a triple added then removed is gone")
            try await catalog.applyMetadata([.remove(path: path, deeper), .add(path: path, deeper)])
            #expect(try await metadata(catalog, path) == [deeper], "a triple removed then added is there")
            try await catalog.applyMetadata([.set(path: path, depth), .set(path: path, deeper), .add(path: path, owner)])
            #expect(try await metadata(catalog, path) == [deeper, owner], "the last set wins")
            try await catalog.applyMetadata([.add(path: path, depth), .removeAll(path: path, attribute: nil), .add(path: path, owner)])
            #expect(try await metadata(catalog, path) == [owner])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func anAbsentPathIsNamedAndNothingChanges(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt", metadata: [depth])])
            await #expect(throws: IngestError.notFoundInCatalog("/zone/data/missing")) {
                try await catalog.applyMetadata([
                    .removeAll(path: "/zone/data/a.txt", attribute: nil), .add(path: "/zone/data", owner),
                    .add(path: "/zone/data/missing", owner), .add(path: "/zone/other", owner),
                ])
            }
            await #expect(throws: IngestError.notFoundInCatalog("/zone/gone"), "even when its changes cancel out") {
                try await catalog.applyMetadata([.add(path: "/zone/gone", owner), .remove(path: "/zone/gone", owner)])
            }
            #expect(try await metadata(catalog, "/zone/data/a.txt") == [depth])
            #expect(try await metadata(catalog, "/zone/data").isEmpty)
            try await catalog.applyMetadata([])
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func namesAndValuesCompareByTheirBytes(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let composed = "caf\u{E9}"
            let decomposed = "cafe\u{301}"
            _ = try await catalog.ensureCollections(["/zone/" + composed, "/zone/" + decomposed])
            try await catalog.applyMetadata([
                .add(path: "/zone/" + composed, MetadataTriple(attribute: composed, value: composed)),
                .add(path: "/zone/" + composed, MetadataTriple(attribute: composed, value: decomposed)),
                .add(path: "/zone/" + decomposed, MetadataTriple(attribute: decomposed, value: decomposed)),
                .remove(path: "/zone/" + composed, MetadataTriple(attribute: composed, value: decomposed)),
                .removeAll(path: "/zone/" + decomposed, attribute: composed),
            ])
            let onComposed = try await metadata(catalog, "/zone/" + composed)
            #expect(onComposed.count == 1 && onComposed.first?.value.utf8.elementsEqual(composed.utf8) == true)
            let onDecomposed = try await metadata(catalog, "/zone/" + decomposed)
            #expect(onDecomposed.count == 1 && onDecomposed.first?.attribute.utf8.elementsEqual(decomposed.utf8) == true)
        }
    }

    @Test(arguments: CatalogFactory.allCases)
    func batchesOfHundredsOfChangesApplyInOneCall(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let names = (0..<300).map { "f\($0).txt" }
            _ = try await catalog.register(names.map { inPlaceRegistration("/zone/data", $0, metadata: [depth]) })
            var changes: [MetadataChange] = names.map { .set(path: "/zone/data/" + $0, deeper) }
            changes += names.map { .add(path: "/zone/data/" + $0, MetadataTriple(attribute: "name", value: $0)) }
            changes += (0..<300).map { .add(path: "/zone/data", MetadataTriple(attribute: "index", value: String($0))) }
            try await catalog.applyMetadata(changes)
            #expect(try await metadata(catalog, "/zone/data/f7.txt") == [deeper, MetadataTriple(attribute: "name", value: "f7.txt")])
            #expect(try await metadata(catalog, "/zone/data/f299.txt") == [deeper, MetadataTriple(attribute: "name", value: "f299.txt")])
            #expect(try await metadata(catalog, "/zone/data").count == 300)
        }
    }

    /// Random lists against a model that applies each change in turn: whatever a list reduces to
    /// in the catalog, it must leave what applying its changes one by one leaves.
    @Test(arguments: CatalogFactory.allCases)
    func randomListsLeaveWhatApplyingOneByOneLeaves(_ factory: CatalogFactory) async throws {
        try await factory.withCatalog { subject in
            let catalog = subject.catalog
            let paths = ["/zone/data", "/zone/data/a.txt"]
            _ = try await catalog.register([inPlaceRegistration("/zone/data", "a.txt")])
            var generator = SplitMix64(seed: 2024)
            var model: [String: Set<MetadataTriple>] = [:]
            for round in 0..<25 {
                var changes: [MetadataChange] = []
                for _ in 0..<Int.random(in: 1...12, using: &generator) {
                    let path = paths.randomElement(using: &generator)!
                    let triple = MetadataTriple(
                        attribute: ["a", "b"].randomElement(using: &generator)!, value: ["1", "2"].randomElement(using: &generator)!,
                        units: ["", "m"].randomElement(using: &generator)!)
                    let change: MetadataChange = switch Int.random(in: 0..<5, using: &generator) {
                    case 0: .add(path: path, triple)
                    case 1: .remove(path: path, triple)
                    case 2: .removeAll(path: path, attribute: triple.attribute)
                    case 3: .set(path: path, triple)
                    default: Int.random(in: 0..<4, using: &generator) == 0 ? .removeAll(path: path, attribute: nil) : .add(path: path, triple)
                    }
                    changes.append(change)
                    switch change {
                    case .add(let path, let triple): model[path, default: []].insert(triple)
                    case .remove(let path, let triple): model[path]?.remove(triple)
                    case .removeAll(let path, let attribute): model[path] = model[path]?.filter { attribute != nil && $0.attribute != attribute }
                    case .set(let path, let triple):
                        model[path] = (model[path] ?? []).filter { $0.attribute != triple.attribute }.union([triple])
                    }
                }
                try await catalog.applyMetadata(changes)
                for path in paths {
                    #expect(Set(try await metadata(catalog, path)) == model[path] ?? [], "round \(round): \(changes)")
                }
            }
        }
    }

    private func metadata(_ catalog: any Catalog, _ path: String) async throws -> [MetadataTriple] {
        let triples: [MetadataTriple]
        if let collection = try await catalog.collection(at: path) {
            triples = collection.metadata
        } else {
            triples = try #require(try await catalog.dataObject(at: path)).metadata
        }
        return triples.sorted { ($0.attribute, $0.value, $0.units) < ($1.attribute, $1.value, $1.units) }
    }
}

/// A small seeded generator, so that a failing random list is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
