import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import IngestGraph
import IngestRuntime

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
        let runtime = try connection.runtime()
        let report = try await runtime.graphStatus(named: graphID, broker: runtime.openBroker(readOnly: true))
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
        let runtime = try connection.runtime()
        let broker = try runtime.openBroker(readOnly: true)
        let (first, spec) = try await runtime.graphJob(named: graph, broker: broker)
        guard spec.geometry.buildLayers.contains(layer) else {
            throw UsageFailure("graph \(spec.graphID) has layers 2-\(spec.geometry.rootLayer); there is no layer \(layer)")
        }
        let counter = GraphCounter.chunksDone(layer: layer)
        let start = Date()
        try await Task.sleep(for: .seconds(span))
        let last = try await broker.job(named: spec.graphID) ?? first
        let rate = Double(last.counter(counter) - first.counter(counter)) / Date().timeIntervalSince(start)
        print(String(format: "%.2f chunks per second (layer %d: %lld / %d)", rate, layer, last.counter(counter), spec.geometry.chunkCount(layer: layer)))
    }
}
