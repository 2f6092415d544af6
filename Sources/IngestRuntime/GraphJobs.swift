import Foundation
import IngestCore
import IngestGraph

/// A graph build's progress per layer: chunks completed of the layer's total (PyChunkedGraph's
/// `2: 8 / 64`), and the chunk tasks queued, blocked on children, running and failed. Read from
/// counters: O(queues + layers). What `ingest status` (and later the REST API) shows.
public struct GraphStatus: Encodable, Sendable {
    public struct Layer: Encodable, Sendable {
        public var layer: Int
        public var completed: Int64
        public var total: Int
        public var queued: Int64
        public var blocked: Int64
        public var running: Int64
        public var failed: Int64
    }

    public var graph: String
    public var state: String
    public var test: Bool
    public var store: String
    public var layers: [Layer]

    public init(status: JobStatus, spec: GraphSpec, queues: [String: QueueCounts]) {
        graph = spec.graphID
        state = status.state.rawValue
        test = spec.test
        store = spec.store.description
        layers = spec.geometry.buildLayers.map { layer in
            let counts = queues[GraphQueues.name(layer: layer)] ?? QueueCounts()
            return Layer(
                layer: layer, completed: status.counter(GraphCounter.chunksDone(layer: layer)), total: spec.geometry.chunkCount(layer: layer),
                queued: counts.ready, blocked: counts.blocked, running: counts.running, failed: counts.failed)
        }
    }
}

extension IngestRuntime {
    /// The graph job a command is about: the one named, or else the most recently started.
    public func graphJob(named name: String?, broker: any Broker) async throws -> (JobStatus, GraphSpec) {
        if let name {
            guard let status = try await broker.job(named: name) else { throw IngestError.jobNotFound(name) }
            guard let spec = GraphSpec.decode(from: status) else {
                throw IngestError.refused("job '\(name)' is a \(status.kind) job, not a graph; `ingest list` shows the jobs")
            }
            return (status, spec)
        }
        let graphs = try await broker.jobs().filter { $0.kind == GraphSpec.jobKind }
        guard let latest = graphs.max(by: { $0.createdAt < $1.createdAt }), let spec = GraphSpec.decode(from: latest) else {
            throw IngestError.refused("no graph jobs; start one with `ingest graph GRAPH_ID dataset.yml`")
        }
        return (latest, spec)
    }

    /// The per-layer progress of the graph job named, or else of the latest one.
    public func graphStatus(named name: String?, broker: any Broker) async throws -> GraphStatus {
        let (status, spec) = try await graphJob(named: name, broker: broker)
        return GraphStatus(status: status, spec: spec, queues: try await broker.queueCounts(job: spec.graphID))
    }

    /// The store of a graph: `explicit` (an SQLite path or a postgres:// URL), else the one its job
    /// recorded, else the default SQLite location.
    public func openGraphStore(graph: String, explicit: String?, broker: any Broker, opener: any GraphStoreOpener) async throws -> any GraphStore {
        var location = explicit.map { explicit in
            explicit.hasPrefix("postgres://") || explicit.hasPrefix("postgresql://") ? GraphStoreLocation.postgres(url: explicit) : .sqlite(path: explicit)
        }
        if location == nil, let status = try? await broker.job(named: graph), let spec = GraphSpec.decode(from: status) {
            location = spec.store
        }
        return try await opener.open(location ?? .sqlite(path: settings.defaultGraphStorePath(graph)), graph: graph, create: false)
    }
}
