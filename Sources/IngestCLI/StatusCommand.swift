import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import IngestGraph

/// Per layer: chunks completed of the layer's total (the seed's `2: 8 / 64`), and the chunk tasks
/// queued, blocked on children, running and failed. Read from counters: O(queues + layers).
struct GraphStatusReport: Encodable {
    struct Layer: Encodable {
        var layer: Int
        var completed: Int64
        var total: Int
        var queued: Int64
        var blocked: Int64
        var running: Int64
        var failed: Int64
    }

    var graph: String
    var state: String
    var test: Bool
    var store: String
    var layers: [Layer]

    init(status: JobStatus, spec: GraphSpec, queues: [String: QueueCounts]) {
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

    var text: String {
        let header = "graph \(graph): \(state)\(test ? " (--test)" : ""), store \(store)"
        let progress = layers.map { "\($0.layer): \($0.completed) / \($0.total)" }
        let width = progress.map(\.count).max() ?? 0
        let lines = zip(layers, progress).map { layer, text in
            text.padding(toLength: width, withPad: " ", startingAt: 0)
                + "   queued \(layer.queued)  blocked \(layer.blocked)  running \(layer.running)  failed \(layer.failed)"
        }
        return ([header] + lines).joined(separator: "\n")
    }
}

/// `ingest status [GRAPH_ID]`: progress of a graph build, layer by layer.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "A graph build's progress per layer: completed / total chunks, queued, blocked, running, failed.")

    @Argument(help: "The graph (default: the graph job started last).")
    var graphID: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let broker = try connection.openBroker(readOnly: true)
        let (status, spec) = try await GraphJobLookup.find(graphID, broker: broker)
        let report = GraphStatusReport(status: status, spec: spec, queues: try await broker.queueCounts(job: spec.graphID))
        print(json ? try Output.json(report) : report.text)
    }
}

/// `ingest rate LAYER`: chunks of a layer completed per second, measured over a span.
struct RateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rate", abstract: "Chunks of a layer completed per second, measured over --span seconds.")

    @Argument(help: "The layer (2 and up).")
    var layer: Int

    @Option(help: "Seconds to measure over.")
    var span: Double = 10

    @Option(help: "The graph (default: the graph job started last).")
    var graph: String?

    @OptionGroup var connection: BrokerConnectionOptions

    func validate() throws {
        if layer < 2 { throw ValidationError("LAYER must be 2 or more, got \(layer)") }
        try StartCommand.checkSeconds(span, option: "--span", allowsZero: false)
    }

    func run() async throws {
        let broker = try connection.openBroker(readOnly: true)
        let (first, spec) = try await GraphJobLookup.find(graph, broker: broker)
        guard spec.geometry.buildLayers.contains(layer) else {
            throw ValidationFailure("graph \(spec.graphID) has layers 2-\(spec.geometry.rootLayer); there is no layer \(layer)")
        }
        let counter = GraphCounter.chunksDone(layer: layer)
        let start = Date()
        try await Task.sleep(for: .seconds(span))
        let last = try await broker.job(named: spec.graphID) ?? first
        let rate = Double(last.counter(counter) - first.counter(counter)) / Date().timeIntervalSince(start)
        print(String(format: "%.2f chunks per second (layer %d: %lld / %d)", rate, layer, last.counter(counter), spec.geometry.chunkCount(layer: layer)))
    }
}
