import ArgumentParser
import Foundation
import IngestEngine
import IngestRuntime
import ServiceLifecycle

/// `ingest worker [-Q restart,path,file] -c N`: process queued tasks until SIGTERM or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Process tasks from queues until stopped; SIGTERM or SIGINT lets running tasks finish first.")

    @Option(name: [.customShort("Q"), .long], help: "Comma-separated queues, in priority order (default: every queue, looked up again every second).")
    var queues: String?

    @Option(name: .shortAndLong, help: "Tasks run at once (default: 4 per CPU).")
    var concurrency: Int = WorkerConfiguration.defaultConcurrency

    @Option(name: [.customLong("lease_seconds"), .customLong("lease-seconds")], help: "Seconds before a task held by a dead worker is re-delivered (default: 30).")
    var leaseSeconds: Double = 30

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if queues != nil && queueList.isEmpty { throw ValidationError("-Q needs at least one queue name, such as -Q restart,path,file") }
        if concurrency < 1 { throw ValidationError("-c must be at least 1, got \(concurrency)") }
        try StartCommand.checkSeconds(leaseSeconds, option: "--lease_seconds", allowsZero: false)
    }

    private var queueList: [String] {
        (queues ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        let runtime = try connection.runtime()
        let logger = try logging.makeLogger(label: "ingest.worker", configuration: runtime.settings.configuration.logging)
        let broker = try runtime.openBroker()
        let configuration = WorkerConfiguration(queues: queueList, concurrency: concurrency, leaseDuration: leaseSeconds)
        try await runtime.withResources(logger: logger) { resources in
            let worker = try await runtime.worker(broker: broker, resources: resources, configuration: configuration, logger: logger)
            let group = ServiceGroup(configuration: .init(
                services: [worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
