import ArgumentParser
import IngestEngine
import Logging
import ServiceLifecycle

/// `work --concurrency C`: the real `Worker` (claim, run, group-committed finish) with a handler
/// that does nothing, until the job has ended.
struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work", abstract: "Run a worker on the job's queue until the job has ended; print what it processed.")

    @OptionGroup var options: BenchOptions

    @Option(name: .shortAndLong, help: "Tasks run at once (default: 256).")
    var concurrency: Int = 256

    func run() async throws {
        let broker = try options.openBroker()
        let logger = benchLogger("ingest.queue-bench.worker")
        let worker = Worker(
            broker: broker, handlers: [NoopHandler()],
            configuration: WorkerConfiguration(
                queues: [options.queue], concurrency: concurrency, stopWhenJobEnds: options.job),
            logger: logger)
        let service = ServiceGroupConfiguration.ServiceConfiguration(
            service: worker, successTerminationBehavior: .gracefullyShutdownGroup)
        let group = ServiceGroup(configuration: .init(
            services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let start = ContinuousClock.now
        try await group.run()
        let elapsed = seconds(since: start)
        await broker.close()
        print("worked \(worker.processedCount) tasks in \(elapsed) s")
    }
}
