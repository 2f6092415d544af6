import Foundation
import IngestCore
import IngestEngine
import IngestGraph
import IngestSQLite
import IngestTesting
import Logging

/// A temporary `INGEST_HOME`-like directory with a broker, generated datasets, and in-process
/// workers that build graphs to their end.
final class GraphFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let broker: any Broker
    /// A broker connection for one more worker: its own SQLite connection, or the shared Redis client.
    private let connect: @Sendable () throws -> any Broker
    private let keepAlive: BrokerUnderTest?

    /// Embedded SQLite state in the fixture's directory, or a fresh broker of the given kind
    /// (Redis needs `INGEST_TEST_REDIS_URL`).
    init(_ factory: BrokerFactory = .sqlite) throws {
        let directory = try TemporaryDirectory(prefix: "ingest-graph")
        self.directory = directory
        if factory == .sqlite {
            broker = try SQLiteBroker(path: directory.subpath("state.sqlite"))
            connect = { try SQLiteBroker(path: directory.subpath("state.sqlite")) }
            keepAlive = nil
        } else {
            let underTest = try factory.make()
            broker = underTest.broker
            connect = { underTest.broker }
            keepAlive = underTest
        }
    }

    /// Generates a dataset under `name` and returns its `dataset.yml`.
    func generate(_ name: String = "data", chunks: [Int], fanout: Int = 2, side: Int = 4, objectSize: Int = 20, seed: UInt64 = 7) throws -> String {
        var options = DatasetGenerator.Options(chunks: chunks)
        options.fanout = fanout
        options.supervoxelsPerSide = side
        options.objectSize = objectSize
        options.seed = seed
        return try DatasetGenerator(options).write(to: directory.subpath(name))
    }

    func storePath(_ graph: String) -> String { directory.subpath("graphs/\(graph).sqlite") }

    /// Queues a graph job as `ingest graph` does.
    @discardableResult
    func submit(_ graph: String, dataset: String, test: Bool = false, retry: Bool = false) async throws -> GraphSpec {
        let (job, tasks) = try GraphJob.prepare(
            dataset: try GraphDataset.load(path: dataset), graphID: graph, test: test, retry: retry, defaultStore: storePath(graph))
        try await broker.submit(job, tasks: tasks)
        return GraphSpec.decode(from: try await broker.job(named: graph)!)!
    }

    /// Runs `workers` workers (each with its own broker connection and handlers) until the job ends.
    @discardableResult
    func build(_ graph: String, workers: Int = 1, concurrency: Int = 1) async throws -> JobStatus {
        let spec = GraphSpec.decode(from: try await broker.job(named: graph)!)!
        let queues = spec.geometry.buildLayers.reversed().map { GraphQueues.name(layer: $0) }
        var logger = Logger(label: "ingest.graph.test")
        logger.logLevel = .critical
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<workers {
                let broker = try connect()
                let worker = Worker(
                    broker: broker, handlers: GraphJob.handlers(),
                    configuration: WorkerConfiguration(
                        queues: queues, concurrency: concurrency, leaseDuration: 10, workerID: "test-\(index)", stopWhenJobEnds: graph),
                    logger: logger)
                group.addTask { try await worker.run() }
            }
            try await group.waitForAll()
        }
        return try await broker.job(named: graph)!
    }

    func store(_ graph: String) throws -> GraphStore {
        try GraphStore(path: storePath(graph), create: false)
    }
}

/// The partition of supervoxels that the built graph gives: supervoxel -> root node.
func roots(in store: GraphStore) throws -> [UInt64: UInt64] {
    let nodes = try store.allNodes()
    var parent: [UInt64: UInt64] = [:]
    for node in nodes { parent[node.id] = node.parent }
    let ids = Set(nodes.map(\.id))
    let layout = try store.meta()!.layout
    var result: [UInt64: UInt64] = [:]
    for node in nodes where layout.layer(of: node.id) == 2 {
        var top = node.id
        while let next = parent[top] {
            guard ids.contains(next) else {
                throw DanglingParent(description: "node \(top) names parent \(next), which is not in the store")
            }
            top = next
        }
        for supervoxel in node.children { result[supervoxel] = top }
    }
    return result
}

struct DanglingParent: Error, CustomStringConvertible {
    var description: String
}

/// Ground truth written apart from the engine: a union-find over every active edge of the
/// dataset's files (in- and between-chunk edges within one component, every cross-chunk edge).
func groundTruth(dataset: String) throws -> [UInt64: UInt64] {
    let data = try GraphDataset.load(path: dataset)
    var component: [UInt64: UInt64] = [:]
    let fileManager = FileManager.default
    for name in try fileManager.contentsOfDirectory(atPath: data.directories.components) where name.hasSuffix(".components") {
        try ComponentsFile.read(path: data.directories.components + "/" + name) { component[$0] = $1 }
    }
    var parent: [UInt64: UInt64] = [:]
    func find(_ x: UInt64) -> UInt64 {
        var x = x
        while let p = parent[x], p != x { x = p }
        return x
    }
    for supervoxel in component.keys { parent[supervoxel] = supervoxel }
    for name in try fileManager.contentsOfDirectory(atPath: data.directories.edges) where name.hasSuffix(".edges") {
        try EdgeFile.read(path: data.directories.edges + "/" + name) { kind, edge in
            let active = kind == .crossChunk || component[edge.first] == component[edge.second]
            if active {
                let a = find(edge.first), b = find(edge.second)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
    }
    var result: [UInt64: UInt64] = [:]
    for supervoxel in component.keys { result[supervoxel] = find(supervoxel) }
    return result
}

/// Whether two labelings split the same keys into the same groups.
func samePartition(_ a: [UInt64: UInt64], _ b: [UInt64: UInt64]) -> Bool {
    guard a.count == b.count else { return false }
    var forward: [UInt64: UInt64] = [:], backward: [UInt64: UInt64] = [:]
    for (key, label) in a {
        guard let other = b[key] else { return false }
        if let seen = forward[label], seen != other { return false }
        if let seen = backward[other], seen != label { return false }
        forward[label] = other
        backward[other] = label
    }
    return true
}
