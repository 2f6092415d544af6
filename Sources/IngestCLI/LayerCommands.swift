import ArgumentParser
import Foundation
import IngestCore
import IngestGraph
import IngestRuntime

/// `ingest layer L`: queue every chunk of a layer (and, unless told not to, every layer above it,
/// each chunk waiting for its children).
struct LayerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "layer", abstract: "Queue every chunk of a layer of a graph; parents above follow when their children are done.")

    @Argument(help: "The layer (2 and up).")
    var layer: Int

    @Flag(name: [.customLong("no_autoqueue_parents"), .customLong("no-autoqueue-parents")], help: "Queue only this layer; queue the next with another `ingest layer`.")
    var noAutoqueueParents = false

    @Option(help: "The graph (default: the graph job started last).")
    var graph: String?

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let runtime = try connection.runtime()
        let broker = try runtime.openBroker()
        let (status, spec) = try await runtime.graphJob(named: graph, broker: broker)
        guard spec.geometry.buildLayers.contains(layer) else {
            throw UsageFailure("graph \(spec.graphID) has layers 2-\(spec.geometry.rootLayer); there is no layer \(layer)")
        }
        if layer > 2 {
            // A chunk whose children are neither built nor queued would be built from nothing and
            // fail: the layer below must be complete, or on its way.
            let below = layer - 1
            let built = status.counter(GraphCounter.chunksDone(layer: below))
            let total = spec.geometry.chunkCount(layer: below)
            let counts = try await broker.queueCounts(job: status.name)[GraphQueues.name(layer: below)] ?? QueueCounts()
            if built < total && counts.ready + counts.blocked + counts.running == 0 {
                throw ValidationFailure(
                    "layer \(below) of graph \(spec.graphID) has \(built) of \(total) chunks built and none queued, so the chunks of layer "
                        + "\(layer) would have children missing; build it first: `ingest layer \(below)` (its parents follow), "
                        + "or `ingest requeue \(GraphQueues.name(layer: below)) --all` if its chunks failed")
            }
        }
        let layers = noAutoqueueParents ? layer...layer : layer...spec.geometry.rootLayer
        // A worker queues them a slice at a time, each waiting for its children's unfinished tasks,
        // if any (a child with none is taken as built).
        try await broker.enqueue([GraphJob.queueingTask(spec: spec, layers: layers)])
        let chunks = layers.reduce(0) { $0 + spec.geometry.chunkCount(layer: $1) }
        print("queued \(chunks) chunks of graph \(spec.graphID) on \(layers.map { GraphQueues.name(layer: $0) }.joined(separator: ", "))")
    }
}

/// `ingest chunk QUEUE L X Y Z`: queue one chunk.
struct ChunkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chunk", abstract: "Queue one chunk of a graph on a queue; a chunk of layer 3 or up needs its children built.")

    @Argument(help: "The queue, such as l2.")
    var queue: String

    @Argument(help: "The chunk's layer.")
    var layer: Int

    @Argument(help: "The chunk's x coordinate.")
    var x: Int

    @Argument(help: "The chunk's y coordinate.")
    var y: Int

    @Argument(help: "The chunk's z coordinate.")
    var z: Int

    @Option(help: "The graph (default: the graph job started last).")
    var graph: String?

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let runtime = try connection.runtime()
        let broker = try runtime.openBroker()
        let (_, spec) = try await runtime.graphJob(named: graph, broker: broker)
        let chunk = ChunkCoordinate(layer: layer, x: x, y: y, z: z)
        guard layer >= 2, spec.geometry.contains(chunk) else {
            let grids = spec.geometry.buildLayers.map { "\($0): \(spec.geometry.chunkCounts(layer: $0).map(String.init).joined(separator: "x"))" }
            throw UsageFailure("\(chunk.key) is not a chunk of graph \(spec.graphID); layers and grids are \(grids.joined(separator: ", "))")
        }
        try await broker.enqueue(GraphJob.tasks(for: [chunk], spec: spec, dependOnChildren: false, queue: queue))
        print("queued chunk \(chunk.key) of graph \(spec.graphID) on \(queue)")
    }
}
