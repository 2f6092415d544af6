import ArgumentParser
import Foundation
import IngestEngine
import IngestRuntime
import IngestServer
import ServiceLifecycle

/// `ingest worker [-Q restart,path,file] -c N`: process queued tasks until SIGTERM or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Process tasks from queues until stopped; SIGTERM or SIGINT lets running tasks finish first.")

    @Option(name: [.customShort("Q"), .long], help: "Comma-separated queues, in priority order (default: every queue, looked up again every second).")
    var queues: String?

    @Option(name:.shortAndLong, help: "Tasks run at once.")
    var concurrency: Int = WorkerConfiguration.defaultConcurrency

    @Option(name: [.customLong("lease_seconds"),.customLong("lease-seconds")], help: "Seconds before a task held by a dead worker is re-delivered.")
    var leaseSeconds: Double = 30

    @Flag(help: "Stop once the queues have nothing ready and nothing is running (as `rq worker --burst`).")
    var burst = false

    @Option(help: "The Python interpreter that runs jobs' --event_handler files (default: $INGEST_PYTHON, or python3 on PATH).")
    var python: String?

    @OptionGroup var metrics: WorkerMetricsOptions
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
        let runtime = try connection.runtime(python: python)
        let logger = try logging.makeLogger(label: "ingest.worker", configuration: runtime.settings.configuration.logging)
        let broker = try runtime.openBroker()
        var configuration = WorkerConfiguration(queues: queueList, concurrency: concurrency, leaseDuration: leaseSeconds)
        configuration.burst = burst
        // One line for the person who started it: what it listens to and where (passwords masked).
        let queuesText = queueList.isEmpty ? "every queue" : "queues \(queueList.joined(separator: ","))"
        print(
            "worker \(configuration.workerID): \(queuesText), \(concurrency) at once\(burst ? ", until the queues are empty" : ""); "
                + "broker \(try runtime.settings.brokerDescription()), catalog \(runtime.settings.catalogDescription)")
        let metricsEndpoint = try metrics.endpoint()
        if let metricsEndpoint { print("metrics on \(metricsEndpoint.url)") }
        fflush(nil)  // all output streams: stdout is fully buffered when piped
        try await runtime.withResources(logger: logger) { resources in
            let worker = try await runtime.worker(
                broker: broker, resources: resources, configuration: configuration, observers: metricsEndpoint?.observers ?? [], logger: logger)
            // A worker returns by itself only with --burst, once its queues are empty: the process ends then.
            let service = ServiceGroupConfiguration.ServiceConfiguration(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)
            // Started before the worker, so stopped after it: scrapes see the drain to its end.
            let metricsServices = metricsEndpoint?.services(broker: broker, catalog: resources.catalog, logger: logger) ?? []
            let group = ServiceGroup(configuration: .init(
                services: metricsServices + [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

/// `ingest workers`: the live workers, from the records they renew with every heartbeat.
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers", abstract: "Show the live workers: host, process, queues, concurrency, tasks running and done, last heartbeat.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let runtime = try connection.runtime()
        let workers = try await runtime.workers(broker: runtime.openBroker(readOnly: true))
        if json {
            print(try Output.json(workers))
            return
        }
        guard !workers.isEmpty else {
            print("no live workers; start one with `ingest worker`")
            return
        }
        let now = Date().timeIntervalSince1970
        print(Output.table(
            header: Output.header(["id", "host", "pid", "queues", "concurrency", "tasks_running", "tasks_done", "started_at", "last_heartbeat_at"]),
            rows: workers.map { worker in
                [
                    worker.id, worker.host, String(worker.pid), worker.queues.isEmpty ? "(every queue)" : worker.queues.joined(separator: ","),
                    String(worker.concurrency), String(worker.tasksRunning), String(worker.tasksDone), Output.time(worker.startedAt),
                    "\(Format.duration(max(0, now - worker.lastHeartbeat))) ago",
                ]
            }))
    }
}

/// `--metrics-port` and its companions: a worker's own Prometheus endpoint.
struct WorkerMetricsOptions: ParsableArguments {
    @Option(
        name: [.customLong("metrics_port"), .customLong("metrics-port")],
        help: "Serve this worker's Prometheus metrics at /metrics (and /healthz) on this port (default: no HTTP server).")
    var metricsPort: Int?

    @Option(name: [.customLong("metrics_host"), .customLong("metrics-host")], help: "The address the metrics server listens on.")
    var metricsHost = "127.0.0.1"

    @Option(
        name: [.customLong("metrics_token_file"), .customLong("metrics-token-file")],
        help: "A file holding the bearer token scrapes must present (default: none; kept off the command line so that ps does not show it).")
    var metricsTokenFile: String?

    func validate() throws {
        if let metricsPort, !(1...65535).contains(metricsPort) {
            throw ValidationError("--metrics_port must be from 1 to 65535, got \(metricsPort)")
        }
        if metricsPort == nil && metricsTokenFile != nil {
            throw ValidationError("--metrics_token_file needs --metrics_port: without it there is no metrics server")
        }
    }

    /// The endpoint the options ask for, nil without `--metrics-port`. Installs its registry as the
    /// process's swift-metrics backend, so libraries' metrics are served too.
    func endpoint() throws -> MetricsEndpoint? {
        guard let metricsPort else { return nil }
        var token: MetricsToken?
        if let metricsTokenFile {
            let text: String
            do {
                text = try String(contentsOfFile: metricsTokenFile, encoding: .utf8)
            } catch {
                throw ValidationError("cannot read --metrics_token_file \(metricsTokenFile): \(error.localizedDescription)")
            }
            guard let read = MetricsToken(text) else { throw ValidationError("--metrics_token_file \(metricsTokenFile) is empty") }
            token = read
        }
        let endpoint = MetricsEndpoint(host: metricsHost, port: metricsPort, token: token)
        endpoint.metrics.bootstrapMetricsSystem()
        return endpoint
    }
}
