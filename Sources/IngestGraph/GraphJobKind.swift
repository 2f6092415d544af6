import Foundation
import IngestCore

/// The chunked-graph job kind (PyChunkedGraph's ingest).
public struct GraphJobKind: JobKind {
    /// What a graph build is asked with: the command line's `ingest graph GRAPH_ID dataset.yml`
    /// flags, or the same fields in a REST request.
    public struct Request: Codable, Sendable, Equatable {
        /// The dataset file (`dataset.yml`).
        public var dataset: String
        public var test: Bool
        public var retry: Bool
        /// How to reach inputs the dataset has in buckets (`--s3_*`, `AWS_ENDPOINT_URL`, `AWS_REGION`);
        /// nil: AWS in us-east-1. Never a secret: workers bring their own credentials.
        public var s3: S3Access?

        public init(dataset: String, test: Bool = false, retry: Bool = false, s3: S3Access? = nil) {
            self.dataset = dataset
            self.test = test
            self.retry = retry
            self.s3 = s3
        }
    }

    /// Where a graph whose dataset names no store is kept (`$INGEST_HOME/graphs/GRAPH_ID.sqlite`).
    public let defaultStorePath: @Sendable (String) -> String

    /// - Parameter defaultStorePath: the SQLite store of a graph whose dataset names none. The
    ///   graph stores themselves come as a `GraphStores` service in `JobResources` (SQLite only without one).
    public init(defaultStorePath: @escaping @Sendable (String) -> String) {
        self.defaultStorePath = defaultStorePath
    }

    public var name: String { GraphSpec.jobKind }

    public var taskKinds: [String] { [GraphJob.taskKind, GraphJob.queueingTaskKind] }

    public var legacyTaskKinds: [String: String] {
        ["chunk": GraphJob.taskKind, "queue-chunks": GraphJob.queueingTaskKind]
    }

    public func handlers(_ resources: JobResources) -> [any TaskHandler] {
        GraphJob.handlers(stores: resources.service(GraphStores.self) ?? GraphStores(), objectStores: resources.objectStores)
    }

    public func prepare(_ request: JobRequest, resources: JobResources) async throws -> (JobDefinition, [NewTask]) {
        let asked: Request
        do {
            asked = try JSONDecoder().decode(Request.self, from: request.spec)
        } catch {
            throw IngestError.invalidOption(name: "spec", reason: "it is not a graph build's request: \(DecodingProblem.describe(error))")
        }
        let dataset = try GraphDataset.load(path: asked.dataset)
        return try await GraphJob.prepare(
            dataset: dataset, graphID: request.name, test: asked.test, retry: asked.retry,
            defaultStore: defaultStorePath(request.name), opener: (resources.service(GraphStores.self) ?? GraphStores()).opener,
            s3: asked.s3 ?? S3Access(), objectStores: resources.objectStores)
    }

    /// Graph layers highest first: a parent released by its last child runs next, so the build's
    /// tail is short and few built chunks wait for their parents.
    public func priority(ofQueue queue: String) -> Int? {
        GraphQueues.layer(of: queue)
    }

    public func report(_ status: JobStatus, queues: [String: QueueCounts]) -> JobReport {
        guard let spec = GraphSpec.decode(from: status) else { return JobReport(summary: "(spec unreadable)") }
        let layers = spec.geometry.buildLayers.map { layer in
            "\(layer): \(status.counter(GraphCounter.chunksDone(layer: layer))) / \(spec.geometry.chunkCount(layer: layer))"
        }
        return JobReport(
            summary: "\(spec.datasetFile)\(spec.test ? " (--test)" : "")",
            details: [
                .init("dataset", spec.datasetFile), .init("store", spec.store.description), .init("layers", layers.joined(separator: ", ")),
            ],
            progress: "chunks per layer " + layers.joined(separator: ", "))
    }
}
