import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import IngestGraph
import IngestRuntime
import Logging

/// `ingest graph ...`: build a chunked graph, generate a dataset, and query a built graph.
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Build a hierarchical chunked graph layer by layer (PyChunkedGraph's ingest), generate datasets, query graphs.",
        usage: """
            ingest graph GRAPH_ID dataset.yml [--test] [--retry] [--synchronous]
              ingest graph generate DIR --chunks X,Y,Z [--seed N] [--side N] [--object-size N] [--fanout F]
              ingest graph root|leaves|children|parent GRAPH_ID NODE_ID [--json]
            """,
        subcommands: [
            GraphIngestCommand.self, GraphGenerateCommand.self, GraphRootCommand.self, GraphLeavesCommand.self,
            GraphChildrenCommand.self, GraphParentCommand.self,
        ],
        defaultSubcommand: GraphIngestCommand.self)
}

/// `ingest graph GRAPH_ID dataset.yml [--test] [--retry]`: queue every chunk of every layer.
struct GraphIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Queue a graph build: every layer-2 chunk on queue l2, every parent on l3, l4, ... waiting for its children.")

    @Argument(help: "A name for the graph (the job name; the store is $INGEST_HOME/graphs/GRAPH_ID.sqlite unless backend_client says otherwise).")
    var graphID: String

    @Argument(help: "The dataset file: data_source, graph_config, backend_client, ingest_config.")
    var dataset: String

    @Flag(help: "Queue only the layer-2 chunks under the central layer-3 chunk and that chunk, to try a dataset out.")
    var test = false

    @Flag(help: "Run the ingest again into an existing graph store (chunk builds write the same rows again).")
    var retry = false

    @Flag(help: "Build the graph in this process and return when it is done.")
    var synchronous = false

    @Option(name:.shortAndLong, help: "Chunks built at once with --synchronous.")
    var concurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup(title: "S3 inputs") var s3: S3InputOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        // The kind reads the file again when it prepares the job; read here only to say what it ignores.
        let loaded = try? GraphDataset.load(path: dataset)
        if let loaded, !loaded.readsBuckets, let option = s3.given.first {
            throw ValidationError("\(option) applies to inputs in buckets, and \(dataset) has none; give EDGES, COMPONENTS or WATERSHED as s3://BUCKET/PREFIX, or leave \(option) out")
        }
        let access = try s3.access()
        let runtime = try connection.runtime()
        let broker = try runtime.openBroker()
        let logger = try logging.makeLogger(label: "ingest.graph", configuration: runtime.settings.configuration.logging)
        for warning in loaded?.warnings ?? [] {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let request = JobRequest(
            name: graphID, kind: GraphSpec.jobKind,
            spec: try JSONEncoder().encode(GraphJobKind.Request(dataset: dataset, test: test, retry: retry, s3: access)))
        let (synchronous, concurrency, graphID) = (self.synchronous, self.concurrency, self.graphID)
        let outcome: (spec: GraphSpec, tasks: Int, status: JobStatus?) = try await runtime.withResources(logger: logger) { resources in
            let (job, tasks) = try await runtime.submit(request, broker: broker, resources: resources)
            let spec = try JSONDecoder().decode(GraphSpec.self, from: job.spec)
            guard synchronous else { return (spec, tasks.count, nil) }
            let status = try await runtime.runUntilJobEnds(
                graphID, queues: spec.geometry.buildLayers.reversed().map { GraphQueues.name(layer: $0) }, concurrency: concurrency,
                broker: broker, resources: resources, showProgress: false, logger: logger)
            return (spec, tasks.count, status)
        }
        let spec = outcome.spec
        guard let status = outcome.status else {
            let queues = spec.geometry.buildLayers.map { GraphQueues.name(layer: $0) }.joined(separator: ", ")
            // Without --test, the workers queue the chunks a slice at a time (`GraphJob.queueingTask`).
            let queued = spec.test
                ? "\(outcome.tasks) chunk tasks queued on \(queues)"
                : "\(spec.geometry.totalChunkCount) chunk tasks on \(queues), queued by the workers \(GraphJob.defaultBatchSize) at a time"
            print("graph \(graphID): \(queued); run `ingest worker` to build it and `ingest status \(graphID)` to follow it")
            return
        }
        print(GraphStatus(status: status, spec: spec, queues: try await broker.queueCounts(job: graphID)).text)
        if !status.succeeded { throw ExitCode.failure }
    }
}

/// `ingest graph generate DIR --chunks X,Y,Z`: a synthetic dataset to try Ingest on.
struct GraphGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic dataset (watershed info, edges, components, dataset.yml) into DIR.")

    @Argument(help: "The directory to write into (created if missing).")
    var directory: String

    @Option(help: "Layer-2 chunks along x, y and z, such as 4,4,2.")
    var chunks: String

    @Option(help: "Random seed: the same seed writes the same dataset.")
    var seed: UInt64 = 1

    @Option(help: "Supervoxels along each side of a chunk; a chunk has about 3·side³ edges.")
    var side: Int = 12

    @Option(name: [.customLong("object_size"), .customLong("object-size")], help: "Mean supervoxels per object.")
    var objectSize: Int = 150

    @Option(help: "FANOUT written into dataset.yml.")
    var fanout: Int = 2

    @Option(name: [.customLong("chunk_size"), .customLong("chunk-size")], help: "CHUNK_SIZE in voxels written into dataset.yml and the info file.")
    var chunkSize: String = "256,256,64"

    func validate() throws {
        guard Self.triple(chunks) != nil else { throw ValidationError("--chunks takes three positive numbers such as 4,4,2, got '\(chunks)'") }
        guard Self.triple(chunkSize) != nil else { throw ValidationError("--chunk-size takes three positive numbers such as 256,256,64, got '\(chunkSize)'") }
        if side < 1 { throw ValidationError("--side must be at least 1, got \(side)") }
        if objectSize < 1 { throw ValidationError("--object-size must be at least 1, got \(objectSize)") }
        if fanout < 2 { throw ValidationError("--fanout must be at least 2, got \(fanout)") }
    }

    static func triple(_ text: String) -> [Int]? {
        let values = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return values.count == 3 && values.allSatisfy { $0 >= 1 } ? values : nil
    }

    func run() async throws {
        var options = DatasetGenerator.Options(chunks: Self.triple(chunks)!)
        options.seed = seed
        options.supervoxelsPerSide = side
        options.objectSize = objectSize
        options.fanout = fanout
        options.chunkSize = Self.triple(chunkSize)!
        let generator = try DatasetGenerator(options)
        let path = try generator.write(to: URL(fileURLWithPath: directory).standardizedFileURL.path)
        let chunkCount = options.chunks.reduce(1, *)
        let edges = chunkCount * 3 * side * side * max(0, side - 1)
        print("wrote \(Format.count(Int64(chunkCount))) chunks of \(side)³ supervoxels (about \(Format.count(Int64(edges))) in-chunk edges) and \(path)")
        print("build it with `ingest graph GRAPH_ID \(path)`")
    }
}
