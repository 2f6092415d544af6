import Foundation
import IngestCore
import IngestEngine
import IngestGraph
import IngestGraphPostgres
import IngestSQLite
import IngestTesting
import Logging

/// The graph stores the build tests run against: the embedded SQLite file, or a fresh PostgreSQL
/// database on the test server (`INGEST_TEST_POSTGRES_URL`, dropped afterwards), so tests run in
/// parallel. PostgreSQL is always listed: without the server its cases fail and say to run
/// `scripts/test`, rather than quietly testing SQLite alone.
enum GraphStoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    var description: String { rawValue }
}

/// A temporary `INGEST_HOME`-like directory with a broker, a graph store, generated datasets, and
/// in-process workers that build graphs to their end.
final class GraphFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let broker: any Broker
    let storeKind: GraphStoreKind
    /// The PostgreSQL database of this fixture's graphs (with its password), for `.postgres`.
    let postgresURL: String?
    /// Opens stores for `submit`, the workers and `store(_:)`; closed by `run`.
    let stores: GraphStores
    /// A broker connection for one more worker: its own SQLite connection, or the shared Redis client.
    private let connect: @Sendable () throws -> any Broker
    private let keepAlive: BrokerUnderTest?

    /// Runs `body` with a fixture whose graphs go to `store`, and removes what it made afterwards.
    /// - Parameter factory: the broker: embedded SQLite state in the fixture's directory, or a
    ///   fresh broker of the given kind (Redis needs `INGEST_TEST_REDIS_URL`).
    static func run<Result>(
        _ factory: BrokerFactory = .sqlite, store: GraphStoreKind = .sqlite, _ body: (GraphFixture) async throws -> Result
    ) async throws -> Result {
        switch store {
        case .sqlite:
            return try await run(try GraphFixture(factory, store: store, postgresURL: nil), body)
        case .postgres:
            return try await PostgresTestDatabase.withFreshDatabase { url in
                try await run(try GraphFixture(factory, store: store, postgresURL: url), body)
            }
        }
    }

    private static func run<Result>(_ fixture: GraphFixture, _ body: (GraphFixture) async throws -> Result) async throws -> Result {
        do {
            let result = try await body(fixture)
            await fixture.stores.close()
            return result
        } catch {
            await fixture.stores.close()
            throw error
        }
    }

    private init(_ factory: BrokerFactory, store: GraphStoreKind, postgresURL: String?) throws {
        let directory = try TemporaryDirectory(prefix: "ingest-graph")
        self.directory = directory
        storeKind = store
        self.postgresURL = postgresURL
        // The dataset's URL carries the password, which jobs do not record: the workers take it from
        // their catalog URL (same user and server), as `ingest worker` does. Few connections: many
        // tests share one test server.
        stores = GraphStores(opener: PostgresGraphStoreOpener(
            catalogURL: postgresURL, environment: [:], logger: .quiet, options: .init(maximumConnections: 2)))
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
        let dataset = try DatasetGenerator(options).write(to: directory.subpath(name))
        if let postgresURL {
            let text = try String(contentsOfFile: dataset, encoding: .utf8)
            let backend = "backend_client:\n  TYPE: postgres\n  CONFIG:\n    URL: \(postgresURL)\n"
            try (Self.withoutBackend(text) + backend).write(toFile: dataset, atomically: true, encoding: .utf8)
        }
        return dataset
    }

    /// A dataset file's text without its `backend_client` section.
    static func withoutBackend(_ text: String) -> String {
        var kept: [Substring] = []
        var inBackend = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty { inBackend = line.hasPrefix("backend_client:") }
            if !inBackend { kept.append(line) }
        }
        return kept.joined(separator: "\n").trimmingCharacters(in: .newlines) + "\n"
    }

    func storePath(_ graph: String) -> String { directory.subpath("graphs/\(graph).sqlite") }

    /// Where `graph` is stored, as `SQLiteGraphStore.location` or `PostgresGraphStore.location` names it.
    func storeLocation(_ graph: String) async throws -> String {
        try await store(graph).location
    }

    /// Queues a graph job as `ingest graph` does.
    /// - Parameter batchSize: chunk tasks queued at once (`GraphJob.defaultBatchSize` unless a test sets it).
    @discardableResult
    func submit(
        _ graph: String, dataset: String, test: Bool = false, retry: Bool = false, batchSize: Int = GraphJob.defaultBatchSize
    ) async throws -> GraphSpec {
        let (job, tasks) = try await GraphJob.prepare(
            dataset: try GraphDataset.load(path: dataset), graphID: graph, test: test, retry: retry, defaultStore: storePath(graph),
            opener: stores.opener, batchSize: batchSize)
        try await broker.submit(job, tasks: tasks)
        return GraphSpec.decode(from: try await broker.job(named: graph)!)!
    }

    /// Runs `workers` workers (each with its own broker connection and handlers) until the job ends.
    /// - Parameter wrap: what the workers see of their broker connection (a recording wrapper).
    @discardableResult
    func build(
        _ graph: String, workers: Int = 1, concurrency: Int = 1, wrap: @Sendable (any Broker) -> any Broker = { $0 }
    ) async throws -> JobStatus {
        let spec = GraphSpec.decode(from: try await broker.job(named: graph)!)!
        let queues = spec.geometry.buildLayers.reversed().map { GraphQueues.name(layer: $0) }
        var logger = Logger(label: "ingest.graph.test")
        logger.logLevel = .critical
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<workers {
                let broker = wrap(try connect())
                let worker = Worker(
                    broker: broker, handlers: GraphJob.handlers(stores: stores),
                    configuration: WorkerConfiguration(
                        queues: queues, concurrency: concurrency, leaseDuration: 10, workerID: "test-\(index)", stopWhenJobEnds: graph),
                    logger: logger)
                group.addTask { try await worker.run() }
            }
            try await group.waitForAll()
        }
        return try await broker.job(named: graph)!
    }

    /// The store of a graph submitted by this fixture.
    func store(_ graph: String) async throws -> any GraphStore {
        let spec = GraphSpec.decode(from: try await broker.job(named: graph)!)!
        return try await stores.opener.open(spec.store, graph: graph, create: false)
    }
}

