import Foundation
import IngestCore
import Synchronization

/// What `ingest graph` records as the job's spec: enough for `status`, `layer`, `chunk` and queries.
public struct GraphSpec: Codable, Sendable, Equatable {
    public static let jobKind = "graph"

    public var graphID: String
    public var datasetFile: String
    /// Where the graph's nodes are: an SQLite file or a PostgreSQL database (without its password).
    public var store: GraphStoreLocation
    /// Tells this ingest run's chunk builds from earlier ones into the same store (`--retry`).
    public var run: String
    public var test: Bool
    public var geometry: GraphGeometry
    /// The S3 settings every worker reads the dataset's buckets with (no secret); nil when every
    /// input is local. Chunk builds read them from the store's `GraphMeta`, next to the inputs.
    public var s3: S3Access?

    public init(
        graphID: String, datasetFile: String, store: GraphStoreLocation, run: String, test: Bool, geometry: GraphGeometry, s3: S3Access? = nil
    ) {
        self.graphID = graphID
        self.datasetFile = datasetFile
        self.store = store
        self.run = run
        self.test = test
        self.geometry = geometry
        self.s3 = s3
    }

    public static func decode(from status: JobStatus) -> GraphSpec? {
        guard status.kind == jobKind else { return nil }
        return try? JSONDecoder().decode(GraphSpec.self, from: status.spec)
    }
}

/// A chunk task's payload; the chunk itself is the task key (`L_x_y_z`).
struct ChunkTaskPayload: Codable {
    var store: GraphStoreLocation
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
/// of them succeeds. Workers queue the chunk tasks a slice at a time (`queueingTask`, ChunkQueueing.swift).
public enum GraphJob {
    public static let taskKind = "graph.chunk"

    /// The handlers a worker needs to build chunks and to queue them.
    /// - Parameter stores: how the worker opens the stores its tasks name; the default opens SQLite only.
    /// - Parameter objectStores: reads inputs in buckets (`s3://`) with the worker's credentials.
    public static func handlers(stores: GraphStores = GraphStores(), objectStores: (any ObjectStores)? = nil) -> [any TaskHandler] {
        [ChunkHandler(stores: stores, objectStores: objectStores), QueueChunksHandler()]
    }

    /// Checks the dataset, creates (or with `retry` reopens) the graph store, and returns the job and
    /// its first tasks: the task that queues every chunk of every layer a slice at a time
    /// (`queueingTask`), or with `test` the layer-2 chunks under the central layer-3 chunk and that chunk.
    /// - Parameters:
    ///   - defaultStore: the SQLite path when the dataset file names none.
    ///   - opener: opens the store `backend_client` names; a PostgreSQL one needs an opener that
    ///     reaches PostgreSQL (`PostgresGraphStoreOpener`).
    ///   - batchSize: chunk tasks per slice.
    ///   - s3: how to reach the inputs in buckets; recorded for the workers when the dataset has any.
    ///   - objectStores: reads those buckets here, to check them before anything is queued.
    /// - Throws: `GraphError` naming the key or file and the fix; nothing is queued then.
    public static func prepare(
        dataset: GraphDataset, graphID: String, test: Bool, retry: Bool, defaultStore: String,
        opener: any GraphStoreOpener = SQLiteGraphStoreOpener(), batchSize: Int = defaultBatchSize,
        s3: S3Access = S3Access(), objectStores: (any ObjectStores)? = nil
    ) async throws -> (JobDefinition, [NewTask]) {
        guard !graphID.isEmpty, !graphID.contains("/") else {
            throw GraphError.invalidNode("GRAPH_ID '\(graphID)' cannot be used; give a name without '/'")
        }
        let location: GraphStoreLocation
        switch dataset.backend {
        case .sqlite(let path):
            location = .sqlite(path: path ?? defaultStore)
        case .postgres(let url):
            location = .postgres(url: url)
        }
        let access = dataset.readsBuckets ? s3 : nil
        let inputs = try await DatasetInputs.open(dataset, access: access, objectStores: objectStores)
        let geometry = try dataset.geometry(info: try await inputs.watershedInfo())
        try await inputs.check()
        let store = try await open(location, graph: graphID, dataset: dataset, opener: opener)
        do {
            try await claim(store, graph: graphID, geometry: geometry, dataset: dataset, s3: access, retry: retry)
            await store.close()
        } catch {
            await store.close()
            throw error
        }

        let spec = GraphSpec(
            graphID: graphID, datasetFile: dataset.file, store: location, run: UUID().uuidString.lowercased(), test: test,
            geometry: geometry, s3: access)
        let job = JobDefinition(name: graphID, kind: GraphSpec.jobKind, spec: try JSONEncoder().encode(spec))
        guard !test else {
            return (job, tasks(for: geometry.children(of: geometry.testChunk) + [geometry.testChunk], spec: spec, dependOnChildren: true))
        }
        return (job, [queueingTask(spec: spec, layers: geometry.buildLayers, batchSize: batchSize)])
    }

    /// Opens (creating) the store the dataset names; an error about a PostgreSQL URL names the key
    /// it came from.
    private static func open(
        _ location: GraphStoreLocation, graph: String, dataset: GraphDataset, opener: any GraphStoreOpener
    ) async throws -> any GraphStore {
        do {
            return try await opener.open(location, graph: graph, create: true)
        } catch let error as GraphError {
            throw error
        } catch {
            guard case .postgres(_?) = location else { throw error }
            throw GraphError.invalidDataset(file: dataset.file, key: "backend_client.CONFIG.URL", reason: "\(error)")
        }
    }

    /// Records the graph's meta in its store, refusing a store that holds a graph already unless
    /// `retry` asks to build the same graph again.
    private static func claim(
        _ store: any GraphStore, graph: String, geometry: GraphGeometry, dataset: GraphDataset, s3: S3Access?, retry: Bool
    ) async throws {
        let meta = GraphMeta(graphID: graph, geometry: geometry, directories: dataset.directories, datasetFile: dataset.file, s3: s3)
        if let existing = try await store.meta() {
            guard retry else { throw GraphError.graphExists(graph: graph, store: store.location) }
            guard existing.geometry == geometry, existing.graphID == graph else {
                throw GraphError.invalidDataset(
                    file: dataset.file, key: "graph_config",
                    reason: "gives a different graph shape than the one in \(store.location) (graph '\(existing.graphID)'); --retry needs the same dataset")
            }
        } else if !retry, try await !store.isEmpty() {
            throw GraphError.graphExists(graph: graph, store: store.location)
        }
        try await store.setMeta(meta)
    }

    /// Chunk tasks; with `dependOnChildren` each waits for its child chunks' tasks in the same job
    /// (a child with no unfinished task is taken as built).
    public static func tasks(for chunks: [ChunkCoordinate], spec: GraphSpec, dependOnChildren: Bool, queue: String? = nil) -> [NewTask] {
        tasks(for: chunks, job: spec.graphID, store: spec.store, run: spec.run, geometry: spec.geometry, dependOnChildren: dependOnChildren, queue: queue)
    }

    static func tasks(
        for chunks: [ChunkCoordinate], job: String, store: GraphStoreLocation, run: String, geometry: GraphGeometry, dependOnChildren: Bool,
        queue: String? = nil
    ) -> [NewTask] {
        let encoder = JSONEncoder()
        return chunks.map { chunk in
            let payload = ChunkTaskPayload(store: store, run: run, token: UUID().uuidString)
            return NewTask(
                job: job, queue: queue ?? chunk.queue, kind: taskKind, key: chunk.key, payload: (try? encoder.encode(payload)) ?? Data(),
                dependsOn: dependOnChildren ? geometry.children(of: chunk).map(\.key) : [])
        }
    }
}

/// Builds one chunk: layer 2 from its files, higher layers from their children's nodes.
struct ChunkHandler: TaskHandler {
    var kind: String { GraphJob.taskKind }
    let stores: GraphStores
    let objectStores: (any ObjectStores)?

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let payload: ChunkTaskPayload
        do {
            payload = try JSONDecoder().decode(ChunkTaskPayload.self, from: task.payload)
        } catch {
            throw PermanentTaskError(IngestError.corruptPayload(kind: task.kind, reason: "\(error)").description)
        }
        let (store, meta) = try await stores.store(payload.store, graph: task.job)
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
                let inputs = try await ChunkInputs.open(meta.directories, access: meta.s3, objectStores: objectStores)
                build = try await Layer2Builder(layout: layout, inputs: inputs).build(chunk)
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
