import Foundation
import IngestCore
import Synchronization

/// What `ingest graph` records as the job's spec: enough for `status`, `layer`, `chunk` and queries.
public struct GraphSpec: Codable, Sendable, Equatable {
    public static let jobKind = "graph"

    public var graphID: String
    public var datasetFile: String
    /// The SQLite file holding the graph.
    public var store: String
    /// Tells this ingest run's chunk builds from earlier ones into the same store (`--retry`).
    public var run: String
    public var test: Bool
    public var geometry: GraphGeometry

    public init(graphID: String, datasetFile: String, store: String, run: String, test: Bool, geometry: GraphGeometry) {
        self.graphID = graphID
        self.datasetFile = datasetFile
        self.store = store
        self.run = run
        self.test = test
        self.geometry = geometry
    }

    public static func decode(from status: JobStatus) -> GraphSpec? {
        guard status.kind == jobKind else { return nil }
        return try? JSONDecoder().decode(GraphSpec.self, from: status.spec)
    }
}

/// A chunk task's payload; the chunk itself is the task key (`L_x_y_z`).
struct ChunkTaskPayload: Codable {
    var store: String
    var run: String
    /// New for every task queued, so a deliberate re-run is told from a re-delivery (`GraphStore.writeChunk`).
    var token: String
}

/// Counter names of the graph job.
public enum GraphCounter {
    /// Chunks of a layer built in this run, each counted once: `chunks.l2.done`.
    public static func chunksDone(layer: Int) -> String { "chunks.l\(layer).done" }
    /// Nodes written by those builds: `nodes.l2`.
    public static func nodes(layer: Int) -> String { "nodes.l\(layer)" }
    /// Milliseconds spent building the layer's chunks, re-runs included: `chunks.l2.ms`.
    public static func buildMilliseconds(layer: Int) -> String { "chunks.l\(layer).ms" }
}

/// The chunked graph job (PyChunkedGraph's ingest): one `chunk` task per chunk on a queue per
/// layer; each parent chunk depends on its children and is released by the broker when the last
/// of them succeeds.
public enum GraphJob {
    public static let taskKind = "chunk"

    /// The handlers a worker needs to build chunks.
    public static func handlers() -> [any TaskHandler] {
        [ChunkHandler()]
    }

    /// Checks the dataset, creates (or with `retry` reopens) the graph store, and returns the job and
    /// its tasks: every chunk of every layer, or with `test` the layer-2 chunks under the central
    /// layer-3 chunk and that chunk.
    /// - Parameter defaultStore: the store path when the dataset file names none.
    /// - Throws: `GraphError` naming the key or file and the fix; nothing is created then.
    public static func prepare(
        dataset: GraphDataset, graphID: String, test: Bool, retry: Bool, defaultStore: String
    ) throws -> (JobDefinition, [NewTask]) {
        guard !graphID.isEmpty, !graphID.contains("/") else {
            throw GraphError.invalidNode("GRAPH_ID '\(graphID)' cannot be used; give a name without '/'")
        }
        let storePath: String
        switch dataset.backend {
        case .sqlite(let path):
            storePath = path ?? defaultStore
        case .postgres:
            throw GraphError.unsupportedBackend(
                "TYPE postgres is not available in this build yet; use TYPE sqlite (CONFIG PATH optional, default $INGEST_HOME/graphs/GRAPH_ID.sqlite)")
        }
        let geometry = try dataset.geometry()
        try checkInputs(dataset)
        let existed = FileManager.default.fileExists(atPath: storePath)
        let store = try GraphStore(path: storePath)
        let meta = GraphMeta(graphID: graphID, geometry: geometry, directories: dataset.directories, datasetFile: dataset.file)
        if let existing = try store.meta() {
            guard retry else { throw GraphError.graphExists(graph: graphID, store: storePath) }
            guard existing.geometry == geometry, existing.graphID == graphID else {
                throw GraphError.invalidDataset(
                    file: dataset.file, key: "graph_config",
                    reason: "gives a different graph shape than the one in \(storePath) (graph '\(existing.graphID)'); --retry needs the same dataset")
            }
        } else if try existed && !retry && !store.isEmpty() {
            throw GraphError.graphExists(graph: graphID, store: storePath)
        }
        try store.setMeta(meta)

        let spec = GraphSpec(
            graphID: graphID, datasetFile: dataset.file, store: storePath, run: UUID().uuidString.lowercased(), test: test,
            geometry: geometry)
        let chunks: [ChunkCoordinate]
        if test {
            chunks = geometry.children(of: geometry.testChunk) + [geometry.testChunk]
        } else {
            chunks = geometry.buildLayers.flatMap { geometry.chunks(layer: $0) }
        }
        let job = JobDefinition(name: graphID, kind: GraphSpec.jobKind, spec: try JSONEncoder().encode(spec))
        return (job, tasks(for: chunks, spec: spec, dependOnChildren: true))
    }

    /// Chunk tasks; with `dependOnChildren` each waits for its child chunks' tasks in the same job
    /// (a child with no unfinished task is taken as built).
    public static func tasks(for chunks: [ChunkCoordinate], spec: GraphSpec, dependOnChildren: Bool, queue: String? = nil) -> [NewTask] {
        return chunks.map { chunk in
            let payload = ChunkTaskPayload(store: spec.store, run: spec.run, token: UUID().uuidString)
            return NewTask(
                job: spec.graphID, queue: queue ?? chunk.queue, kind: taskKind, key: chunk.key, payload: (try? JSONEncoder().encode(payload)) ?? Data(),
                dependsOn: dependOnChildren ? spec.geometry.children(of: chunk).map(\.key) : [])
        }
    }

    /// A dataset whose directories hold none of the files this format names is almost surely a
    /// wrong path: refuse it before anything is queued.
    static func checkInputs(_ dataset: GraphDataset) throws {
        for (key, directory, suffix) in [
            ("data_source.EDGES", dataset.directories.edges, ".edges"),
            ("data_source.COMPONENTS", dataset.directories.components, ".components"),
        ] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            guard names.contains(where: { $0.hasSuffix(suffix) }) else {
                throw GraphError.invalidDataset(
                    file: dataset.file, key: key,
                    reason: "\(directory) holds no X_Y_Z\(suffix) files; point it at the directory of per-chunk files (README: graph file format)")
            }
        }
    }
}

/// Builds one chunk: layer 2 from its files, higher layers from their children's nodes.
struct ChunkHandler: TaskHandler {
    var kind: String { GraphJob.taskKind }
    let stores = StoreCache()

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let payload: ChunkTaskPayload
        do {
            payload = try JSONDecoder().decode(ChunkTaskPayload.self, from: task.payload)
        } catch {
            throw PermanentTaskError(IngestError.corruptPayload(kind: task.kind, reason: "\(error)").description)
        }
        let (store, meta) = try stores.open(payload.store)
        let layout = meta.layout
        guard let chunk = ChunkCoordinate(key: task.key), chunk.layer >= 2, meta.geometry.contains(chunk) else {
            let counts = meta.geometry.buildLayers.map { "\($0): \(meta.geometry.chunkCounts(layer: $0).map(String.init).joined(separator: "x"))" }
            throw PermanentTaskError("chunk '\(task.key)' is not a chunk of graph \(meta.graphID); layers and grids are \(counts.joined(separator: ", "))")
        }
        let started = ContinuousClock.now
        do {
            let nodeCount: Int
            let counted: Bool
            let build: ChunkBuild
            if chunk.layer == 2 {
                build = try Layer2Builder(layout: layout, directories: meta.directories).build(chunk)
            } else {
                let children = meta.geometry.children(of: chunk)
                if let missing = try await store.firstUnbuilt(children, layout: layout) {
                    throw GraphError.childNotBuilt(chunk: chunk.key, child: missing.key)
                }
                let childNodes = try await store.childNodes(of: children, layout: layout)
                try context.cancellation.check()
                build = try ParentBuilder(layout: layout).build(chunk, children: childNodes)
            }
            try context.cancellation.check()
            nodeCount = build.nodes.count + build.roots.count
            counted = try await store.writeChunk(chunk, build: build, run: payload.run, token: payload.token, layout: layout)
            var result = TaskResult()
            let elapsed = ContinuousClock.now - started
            result.add(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000, to: GraphCounter.buildMilliseconds(layer: chunk.layer))
            if counted {
                result.add(1, to: GraphCounter.chunksDone(layer: chunk.layer))
                result.add(Int64(nodeCount), to: GraphCounter.nodes(layer: chunk.layer))
            }
            return result
        } catch let error as GraphError {
            // Bad input does not get better by retrying: the chunk fails alone, with the file and the fix.
            throw PermanentTaskError(error.description)
        }
    }
}

/// One open store per file per process, with its meta read once.
final class StoreCache: Sendable {
    private let stores = Mutex<[String: (GraphStore, GraphMeta)]>([:])

    func open(_ path: String) throws -> (GraphStore, GraphMeta) {
        if let cached = stores.withLock({ $0[path] }) { return cached }
        let store: GraphStore
        do {
            store = try GraphStore(path: path, create: false)
        } catch let error as GraphError {
            throw PermanentTaskError("\(error)")
        }
        guard let meta = try store.meta() else {
            throw PermanentTaskError("graph store \(path) has no graph; start it with `ingest graph GRAPH_ID dataset.yml`")
        }
        return stores.withLock { stores in
            if let cached = stores[path] { return cached }
            stores[path] = (store, meta)
            return (store, meta)
        }
    }
}
