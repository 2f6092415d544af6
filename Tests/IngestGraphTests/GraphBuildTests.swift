import Foundation
import IngestCore
import IngestEngine
import IngestGraph
import IngestTesting
import Logging
import Testing

/// Builds generated datasets through the broker and real SQLite or PostgreSQL stores, and checks
/// what a user would see. Tests whose outcome depends on the store run against both.
@Suite struct GraphBuildTests {
    static let shapes: [(chunks: [Int], fanout: Int)] = [([4, 4, 4], 2), ([3, 5, 2], 2), ([5, 3, 4], 3), ([1, 1, 1], 2), ([6, 1, 2], 2)]

    @Test(arguments: GraphStoreKind.allCases, shapes.indices)
    func supervoxelsShareARootExactlyWhenActiveEdgesConnectThem(_ storeKind: GraphStoreKind, _ index: Int) async throws {
        try await GraphFixture.run(store: storeKind) { fixture in
            let (chunks, fanout) = Self.shapes[index]
            let dataset = try fixture.generate(chunks: chunks, fanout: fanout, seed: UInt64(index + 1))
            try await fixture.submit("g", dataset: dataset)
            let status = try await fixture.build("g", concurrency: 2)
            #expect(status.state == .completed)
            let store = try await fixture.store("g")
            let geometry = try await store.meta()!.geometry
            let built = try await roots(in: store)
            let truth = try groundTruth(dataset: dataset)
            #expect(built.count == chunks.reduce(1, *) * 64)
            #expect(samePartition(built, truth))
            // Every root lies in the single chunk of the top layer.
            let layout = NodeIDLayout(geometry)
            #expect(Set(built.values.map { layout.chunk(of: $0) }) == [ChunkCoordinate(layer: geometry.rootLayer, x: 0, y: 0, z: 0)])
            for layer in geometry.buildLayers {
                #expect(status.counter(GraphCounter.chunksDone(layer: layer)) == Int64(geometry.chunkCount(layer: layer)))
            }
        }
    }

    @Test func generatedDataBothMergesAndSplitsComponents() async throws {
        // The generated data must exercise both rules: cross-chunk edges that join different
        // components, and components that active edges alone do not hold together.
        try await GraphFixture.run { fixture in
            let dataset = try fixture.generate(chunks: [4, 4, 2], side: 5, objectSize: 30, seed: 3)
            let data = try GraphDataset.load(path: dataset)
            var component: [UInt64: UInt64] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: data.directories.components) {
                try ComponentsFile.read(path: data.directories.components + "/" + name) { component[$0] = $1 }
            }
            var merges = 0
            for name in try FileManager.default.contentsOfDirectory(atPath: data.directories.edges) {
                try EdgeFile.read(path: data.directories.edges + "/" + name) { kind, edge in
                    if kind == .crossChunk && component[edge.first] != component[edge.second] { merges += 1 }
                }
            }
            #expect(merges > 0)
            let truth = try groundTruth(dataset: dataset)
            var componentsOfGroup: [UInt64: Set<UInt64>] = [:], groupsOfComponent: [UInt64: Set<UInt64>] = [:]
            for (supervoxel, group) in truth {
                componentsOfGroup[group, default: []].insert(component[supervoxel]!)
                groupsOfComponent[component[supervoxel]!, default: []].insert(group)
            }
            #expect(componentsOfGroup.values.contains { $0.count > 1 }, "no cross-chunk edge merges two components")
            #expect(groupsOfComponent.values.contains { $0.count > 1 }, "no component falls apart into pieces")
        }
    }

    /// Embedded, distributed, and each store with the embedded broker.
    static let deployments: [(BrokerFactory, GraphStoreKind)] = [(.sqlite, .sqlite), (.redis, .postgres), (.sqlite, .postgres), (.redis, .sqlite)]

    @Test(arguments: deployments.indices)
    func fourWorkersBuildTheSameGraphAsOneAndNoParentBeforeItsChildren(_ deployment: Int) async throws {
        let (brokerKind, storeKind) = Self.deployments[deployment]
        try await GraphFixture.run(brokerKind, store: storeKind) { fixture in
            let dataset = try fixture.generate(chunks: [4, 3, 4], seed: 11)
            try await fixture.submit("one", dataset: dataset)
            try await fixture.build("one", workers: 1)
            try await fixture.submit("four", dataset: dataset)
            let status = try await fixture.build("four", workers: 4, concurrency: 2)
            #expect(status.state == .completed)
            let one = try await fixture.store("one"), four = try await fixture.store("four")
            #expect(try await one.allNodes() == four.allNodes())
            #expect(samePartition(try await roots(in: four), try groundTruth(dataset: dataset)))
            let meta = try await four.meta()!
            let order = try await four.buildOrder(layout: meta.layout)
            #expect(order.count == meta.geometry.buildLayers.reduce(0) { $0 + meta.geometry.chunkCount(layer: $1) })
            var position: [ChunkCoordinate: Int] = [:]
            for (index, chunk) in order.enumerated() { position[chunk] = index }
            for chunk in order where chunk.layer >= 3 {
                for child in meta.geometry.children(of: chunk) {
                    #expect(position[child]! < position[chunk]!, "\(chunk) was built before its child \(child)")
                }
            }
        }
    }

    @Test(arguments: GraphStoreKind.allCases)
    func runningEveryChunkAgainWritesIdenticalRows(_ storeKind: GraphStoreKind) async throws {
        try await GraphFixture.run(store: storeKind) { fixture in
            let dataset = try fixture.generate(chunks: [3, 3, 2], seed: 5)
            let spec = try await fixture.submit("g", dataset: dataset)
            try await fixture.build("g")
            let store = try await fixture.store("g")
            let before = try await store.allNodes()
            // Every chunk again, layer by layer, as `ingest layer` would queue them.
            for layer in spec.geometry.buildLayers {
                try await fixture.broker.enqueue(GraphJob.tasks(for: spec.geometry.chunks(layer: layer), spec: spec, dependOnChildren: true))
            }
            let again = try await fixture.build("g", workers: 2)
            #expect(again.state == .completed)
            #expect(try await store.allNodes() == before)
            // A deliberate re-run does not count a chunk twice.
            for layer in spec.geometry.buildLayers {
                #expect(again.counter(GraphCounter.chunksDone(layer: layer)) == Int64(spec.geometry.chunkCount(layer: layer)))
            }
        }
    }

    @Test(arguments: GraphStoreKind.allCases)
    func testRunBuildsTheEightChunksUnderTheCentralLayer3Chunk(_ storeKind: GraphStoreKind) async throws {
        try await GraphFixture.run(store: storeKind) { fixture in
            let dataset = try fixture.generate(chunks: [4, 4, 4], seed: 2)
            let spec = try await fixture.submit("t", dataset: dataset, test: true)
            let status = try await fixture.build("t")
            #expect(status.state == .completed)
            #expect(status.counter(GraphCounter.chunksDone(layer: 2)) == 8)
            #expect(status.counter(GraphCounter.chunksDone(layer: 3)) == 1)
            #expect(status.counter(GraphCounter.chunksDone(layer: 4)) == 0)
            let store = try await fixture.store("t")
            let built = Set(try await store.buildOrder(layout: NodeIDLayout(spec.geometry)))
            #expect(built == Set(spec.geometry.children(of: ChunkCoordinate(layer: 3, x: 1, y: 1, z: 1)) + [ChunkCoordinate(layer: 3, x: 1, y: 1, z: 1)]))
        }
    }

    @Test func aTruncatedEdgeFileFailsThatChunkAloneNamingTheFile() async throws {
        try await GraphFixture.run { fixture in
            let dataset = try fixture.generate(chunks: [2, 2, 2], seed: 4)
            let path = fixture.directory.subpath("data/edges/1_0_1.edges")
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.prefix(data.count - 10).write(to: URL(fileURLWithPath: path))
            try await fixture.submit("g", dataset: dataset)
            let status = try await fixture.build("g", concurrency: 2)
            #expect(status.state == .failed)
            let failed = try await fixture.broker.failedTasks(job: "g", queue: nil, limit: 10)
            #expect(failed.map(\.key) == ["2_1_0_1"])
            #expect(failed.first?.error.contains("1_0_1.edges: is truncated") == true)
            #expect(status.counter(GraphCounter.chunksDone(layer: 2)) == 7)
            // The parents wait, blocked, for the failed chunk.
            #expect(status.blockedTasks == 1)
        }
    }

    @Test func aSupervoxelOutsideItsChunkFailsThatChunkWithTheFix() async throws {
        try await GraphFixture.run { fixture in
            let dataset = try fixture.generate(chunks: [2, 2, 1], seed: 4)
            let data = try GraphDataset.load(path: dataset)
            let layout = NodeIDLayout(try data.geometry())
            // Chunk 0_0_0's components file claims a supervoxel of chunk 1_0_0.
            let stranger = layout.id(chunk: ChunkCoordinate(layer: 1, x: 1, y: 0, z: 0), segment: 999)
            let path = data.directories.components + "/0_0_0.components"
            var entries: [(supervoxel: UInt64, component: UInt64)] = []
            try ComponentsFile.read(path: path) { entries.append(($0, $1)) }
            entries.append((stranger, 1))
            try ComponentsFile.write(path: path, entries)
            try await fixture.submit("g", dataset: dataset)
            let status = try await fixture.build("g")
            let failed = try await fixture.broker.failedTasks(job: "g", queue: nil, limit: 10)
            #expect(status.state == .failed)
            #expect(failed.map(\.key) == ["2_0_0_0"])
            #expect(failed.first?.error.contains("lies in chunk 1_0_0, outside chunk 0_0_0") == true)
        }
    }

    @Test(arguments: GraphStoreKind.allCases)
    func aRequeuedChunkFinishesTheGraph(_ storeKind: GraphStoreKind) async throws {
        try await GraphFixture.run(store: storeKind) { fixture in
            let dataset = try fixture.generate(chunks: [2, 2, 2], seed: 9)
            let path = fixture.directory.subpath("data/edges/0_1_1.edges")
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            try original.prefix(40).write(to: URL(fileURLWithPath: path))
            try await fixture.submit("g", dataset: dataset)
            #expect(try await fixture.build("g").state == .failed)
            try original.write(to: URL(fileURLWithPath: path))
            #expect(try await fixture.broker.requeueFailed(job: nil, queue: "l2") == 1)
            let status = try await fixture.build("g")
            #expect(status.state == .completed)
            #expect(samePartition(try await roots(in: fixture.store("g")), try groundTruth(dataset: dataset)))
        }
    }
}

extension GraphBuildTests {
    @Test(arguments: GraphStoreKind.allCases)
    func anExistingGraphIsRefusedUnlessRetried(_ storeKind: GraphStoreKind) async throws {
        try await GraphFixture.run(store: storeKind) { fixture in
            let dataset = try fixture.generate(chunks: [2, 2, 2], seed: 6)
            try await fixture.submit("g", dataset: dataset)
            try await fixture.build("g")
            let before = try await fixture.store("g").allNodes()
            let location = try await fixture.storeLocation("g")
            await #expect(throws: GraphError.graphExists(graph: "g", store: location)) {
                try await fixture.submit("g", dataset: dataset)
            }
            try await fixture.submit("g", dataset: dataset, retry: true)
            let status = try await fixture.build("g")
            #expect(status.state == .completed)
            #expect(status.counter(GraphCounter.chunksDone(layer: 2)) == 8, "a new run counts its chunks afresh")
            #expect(try await fixture.store("g").allNodes() == before)
        }
    }

    @Test func aWorkerOnEveryQueuePicksUpQueuesThatAppearLater() async throws {
        try await GraphFixture.run { fixture in
            var logger = Logger(label: "ingest.graph.test")
            logger.logLevel = .critical
            let worker = AllQueuesWorker(
                broker: fixture.broker, handlers: GraphJob.handlers(stores: fixture.stores),
                configuration: WorkerConfiguration(queues: [], concurrency: 2, leaseDuration: 10), refreshInterval: 0.2, logger: logger)
            let running = Task { try await worker.run() }
            defer { running.cancel() }
            // A 2x2x1 graph has queues l2 and l3; an 8x1x1 graph adds l4 and l5 later.
            try await fixture.submit("small", dataset: try fixture.generate("small", chunks: [2, 2, 1]))
            try await waitUntilEnded("small", fixture)
            try await fixture.submit("wide", dataset: try fixture.generate("wide", chunks: [8, 1, 1]))
            let wide = try await waitUntilEnded("wide", fixture)
            #expect(wide.state == .completed)
            #expect(wide.counter(GraphCounter.chunksDone(layer: 5)) == 1)
        }
    }

    @discardableResult
    private func waitUntilEnded(_ job: String, _ fixture: GraphFixture) async throws -> JobStatus {
        for _ in 0..<600 {
            if let status = try await fixture.broker.job(named: job), status.state.isTerminal { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("job \(job) did not end in 30 s")
        return try await fixture.broker.job(named: job)!
    }
}

extension GraphBuildTests {
    @Test func anEdgeOnlyOneChunkListsFailsTheParentNamingBothFiles() async throws {
        try await GraphFixture.run { fixture in
            let dataset = try fixture.generate(chunks: [2, 1, 1], seed: 8)
            // Chunk 1_0_0 forgets every edge it shares with chunk 0_0_0.
            let path = fixture.directory.subpath("data/edges/1_0_0.edges")
            let (edges, betweenStart, _) = try #require(try EdgeFile.readAll(path: path))
            try EdgeFile.write(path: path, inChunk: Array(edges[..<betweenStart]), betweenChunk: [], crossChunk: [])
            try await fixture.submit("g", dataset: dataset)
            let status = try await fixture.build("g")
            #expect(status.state == .failed)
            let failed = try await fixture.broker.failedTasks(job: "g", queue: nil, limit: 10)
            #expect(failed.map(\.key) == ["3_0_0_0"])
            #expect(failed.first?.error.contains("is active in 0_0_0.edges but missing or inactive here") == true)
            #expect(failed.first?.error.contains("edges file 1_0_0.edges") == true)
        }
    }
}
