import Foundation
import IngestCore

/// Queues a graph's chunk tasks a slice at a time, so neither `ingest graph` nor a worker ever
/// holds more than one slice however large the grid.
///
/// `ingest graph` submits the job with a single queueing task. A worker runs it: it makes the
/// chunk tasks of one slice (`batchSize` chunks of one layer, x fastest) and spawns them together
/// with the queueing task of the next slice, layer 2 first, then 3, up to the root. Why this shape:
/// - **Parents never run early.** A dependency on a key with no unfinished task counts as met, so
///   a parent must be queued after its children. Every slice of a layer is spawned by a completion
///   that comes after all of the layer below's, so a child is either queued (the parent waits for
///   it) or has succeeded (met); a failed child is still unfinished, so its parent waits.
/// - **A kill -9 anywhere leaves a correct job.** `ingest graph` makes one atomic `submit`. A
///   slice is applied in the completion of its queueing task (one transaction or script, fenced):
///   a worker killed before it reports leaves nothing, the lease expires, the task is delivered
///   again and makes the same slice; a late report from the dead worker is ignored. No chunk is
///   queued twice and none is skipped.
/// - **A job being queued never looks finished.** Until the last slice is in, a queueing task is
///   unfinished in the job, so the job cannot complete (or be taken for complete) half-queued.
/// - **The broker holds little at once.** The next queueing task comes after its slice on the
///   same queue, so it runs once that slice is claimed: queueing keeps a slice ahead of the
///   builds instead of filling the broker with every chunk.
///
/// The queueing task goes on the queue of the layer it queues, which the workers building that
/// layer listen to (`-Q l3` alone can finish an `ingest layer 3 --no-autoqueue-parents`).
struct QueueChunksPayload: Codable {
    var store: GraphStoreLocation
    var run: String
    var geometry: GraphGeometry
    /// The layer of this slice, and the last layer to queue.
    var layer: Int
    var lastLayer: Int
    /// The slice's first chunk, in x-fastest order within the layer.
    var start: Int
    var batchSize: Int
}

extension GraphJob {
    /// The kind of the task that queues a slice of chunk tasks and the task for the next slice.
    public static let queueingTaskKind = "graph.queue-chunks"

    /// Chunk tasks queued at once (and spawned by one completion).
    public static let defaultBatchSize = 2048

    /// The task that queues every chunk of `layers` a slice at a time, each chunk waiting for its
    /// children's unfinished tasks (see `QueueChunksPayload`).
    /// - Parameter batchSize: chunk tasks per slice: the most any process holds at once.
    public static func queueingTask(spec: GraphSpec, layers: ClosedRange<Int>, batchSize: Int = defaultBatchSize) -> NewTask {
        queueingTask(
            QueueChunksPayload(
                store: spec.store, run: spec.run, geometry: spec.geometry, layer: layers.lowerBound, lastLayer: layers.upperBound, start: 0,
                batchSize: max(1, batchSize)),
            job: spec.graphID)
    }

    static func queueingTask(_ payload: QueueChunksPayload, job: String) -> NewTask {
        NewTask(
            job: job, queue: GraphQueues.name(layer: payload.layer), kind: queueingTaskKind, key: "queue_l\(payload.layer)_\(payload.start)",
            payload: (try? JSONEncoder().encode(payload)) ?? Data())
    }
}

/// Runs a queueing task: one slice of chunk tasks, then the task for the next slice.
struct QueueChunksHandler: TaskHandler {
    var kind: String { GraphJob.queueingTaskKind }

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let payload: QueueChunksPayload
        do {
            payload = try JSONDecoder().decode(QueueChunksPayload.self, from: task.payload)
        } catch {
            throw PermanentTaskError(IngestError.corruptPayload(kind: task.kind, reason: "\(error)").description)
        }
        let geometry = payload.geometry
        guard geometry.buildLayers.contains(payload.layer), payload.lastLayer <= geometry.rootLayer, payload.batchSize >= 1,
            (0..<geometry.chunkCount(layer: payload.layer)).contains(payload.start)
        else {
            throw PermanentTaskError(
                IngestError.corruptPayload(kind: task.kind, reason: "layers \(payload.layer)-\(payload.lastLayer) from chunk \(payload.start) are not in the graph").description)
        }
        let count = geometry.chunkCount(layer: payload.layer)
        let end = payload.start + min(payload.batchSize, count - payload.start)
        var spawned = GraphJob.tasks(
            for: geometry.chunks(layer: payload.layer, range: payload.start..<end), job: task.job, store: payload.store, run: payload.run,
            geometry: geometry, dependOnChildren: true)
        var next = payload
        if end < count {
            next.start = end
            spawned.append(GraphJob.queueingTask(next, job: task.job))
        } else if payload.layer < payload.lastLayer {
            next.layer += 1
            next.start = 0
            spawned.append(GraphJob.queueingTask(next, job: task.job))
        }
        return TaskResult(spawned: spawned)
    }
}
