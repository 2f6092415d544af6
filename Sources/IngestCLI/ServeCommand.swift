import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import IngestRuntime
import IngestServer
import ServiceLifecycle

/// `ingest serve`: the REST job API, the dashboard and metrics over HTTP, optionally with a worker
/// in the same process; SIGTERM or SIGINT drains the worker and closes the server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the job API (PUT/GET/DELETE /job), the dashboard and /metrics over HTTP; --worker also runs tasks here.")

    @Option(help: "The address to listen on (default: 127.0.0.1; without server.tokens in the configuration only a loopback address is used).")
    var host: String = "127.0.0.1"

    @Option(help: "The port to listen on (0: one the system picks, printed at start).")
    var port: Int = 8080

    @Flag(help: "Also run a worker in this process.")
    var worker = false

    @Option(name: [.customShort("Q"), .long], help: "With --worker: comma-separated queues, in priority order (default: every queue).")
    var queues: String?

    @Option(name: .shortAndLong, help: "With --worker: tasks run at once.")
    var concurrency: Int = WorkerConfiguration.defaultConcurrency

    @Option(name: [.customLong("lease_seconds"), .customLong("lease-seconds")], help: "With --worker: seconds before a task held by a dead worker is re-delivered.")
    var leaseSeconds: Double = 30

    @Option(help: "The Python interpreter that checks --event_handler files of submitted jobs (default: $INGEST_PYTHON, or python3 on PATH).")
    var python: String?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
        if queues != nil && queueList.isEmpty { throw ValidationError("-Q needs at least one queue name, such as -Q restart,path,file") }
        if concurrency < 1 { throw ValidationError("-c must be at least 1, got \(concurrency)") }
        try StartCommand.checkSeconds(leaseSeconds, option: "--lease_seconds", allowsZero: false)
        if !worker, queues != nil || leaseSeconds != 30 {
            throw ValidationError("-Q and --lease_seconds apply to the worker that --worker runs here; add --worker, or leave them out")
        }
    }

    private var queueList: [String] {
        (queues ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        let runtime = try connection.runtime(python: python)
        let logger = try logging.makeLogger(label: "ingest.serve", configuration: runtime.settings.configuration.logging)
        let broker = try runtime.openBroker()
        let settings = runtime.settings.configuration.server
        var host = self.host
        if settings.tokens.isEmpty && !IngestServer.isLoopback(host) {
            // Anyone who reaches the port could submit and stop jobs: without tokens, loopback only.
            print("no server.tokens in \(runtime.settings.configuration.source): listening on 127.0.0.1 only, not \(host); "
                + "add tokens (server.tokens: [{token: ..., role: operate}]) to serve other hosts")
            host = "127.0.0.1"
        }
        let scheme = settings.tlsCertificate == nil ? "http" : "https"
        let (workerEnabled, concurrency, leaseSeconds, queueList, listenHost) = (worker, concurrency, leaseSeconds, queueList, host)
        try await runtime.withResources(logger: logger) { resources in
            let server = IngestServer(runtime: runtime, broker: broker, resources: resources, logger: logger)
            let application = try server.application(host: listenHost, port: port) { bound in
                print("serving \(scheme)://\(listenHost):\(bound) (broker \((try? runtime.settings.brokerDescription()) ?? "?"), "
                    + "catalog \(runtime.settings.catalogDescription))\(workerEnabled ? "; with a worker, \(concurrency) at once" : "")")
                fflush(nil)
            }
            server.metrics.bootstrapMetricsSystem()
            // The worker is last, so that it stops first and drains while the server still answers.
            var services: [ServiceGroupConfiguration.ServiceConfiguration] =
                ([application] + server.backgroundServices).map { .init(service: $0) }
            if workerEnabled {
                let configuration = WorkerConfiguration(queues: queueList, concurrency: concurrency, leaseDuration: leaseSeconds)
                let worker = try await runtime.worker(
                    broker: broker, resources: resources, configuration: configuration, observers: [MetricsObserver(metrics: server.metrics)],
                    logger: logger)
                services.append(.init(service: worker))
            }
            let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
