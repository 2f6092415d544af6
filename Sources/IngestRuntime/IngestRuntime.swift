import Foundation
import IngestCore
import IngestEngine
import IngestGraph
import IngestS3
import IngestSync
import Logging
import ServiceLifecycle

/// The composition root: one process's settings, its job kinds, and the operations every front end
/// (the command line, later the server) performs with them: open the backends, submit a job, run
/// workers, run a job in-process, describe jobs. Front ends parse and print; they hold no rules.
public struct IngestRuntime: Sendable {
    public let settings: IngestSettings
    public let kinds: JobKindRegistry

    /// - Parameter additionalKinds: kinds besides sync and graph (an embedding program's, a test's).
    /// - Throws: `JobKindError` when two kinds clash.
    public init(settings: IngestSettings, additionalKinds: [any JobKind] = []) throws {
        self.settings = settings
        kinds = try JobKindRegistry(Self.standardKinds(settings) + additionalKinds)
    }

    /// Sync and graph, set up from the configuration file.
    public static func standardKinds(_ settings: IngestSettings) -> [any JobKind] {
        let configuration = settings.configuration
        let home = settings.home
        return [
            SyncJobKind(
                resources: configuration.resources.map(\.storageResource), defaultResource: configuration.defaultResource,
                configurationSource: configuration.source, policies: PolicyFactory(python: settings.python)),
            GraphJobKind(defaultStorePath: { graph in "\(home)/graphs/\(graph).sqlite" }),
        ]
    }

    // MARK: - Backends

    public func openBroker(readOnly: Bool = false) throws -> any Broker {
        try settings.openBroker(readOnly: readOnly)
    }

    public func openCatalog(logger: Logger? = nil, readOnly: Bool = false) async throws -> any Catalog {
        try await settings.openCatalog(logger: logger, readOnly: readOnly)
    }

    /// What handlers and submissions use: the catalog and the graph stores. Give it back with `close`.
    public func openResources(logger: Logger? = nil) async throws -> JobResources {
        var resources = JobResources(catalog: try await openCatalog(logger: logger))
        resources.add(GraphStores(opener: logger.map { settings.graphStoreOpener(logger: $0) } ?? settings.graphStoreOpener()))
        resources.objectStores = objectStores(logger: logger)
        return resources
    }

    /// The process's S3 clients: bucket sources, and the s3 resources of its configuration file.
    /// Shut them down (`ObjectStores.shutdown`) when done.
    public func objectStores(logger: Logger? = nil) -> any ObjectStores {
        S3ObjectStores(
            resources: settings.configuration.resources, configurationSource: settings.configuration.source,
            logger: logger ?? Logger(label: "ingest.s3", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    public func close(_ resources: JobResources) async {
        await resources.service(GraphStores.self)?.close()
        await resources.objectStores?.shutdown()
    }

    /// Runs `body` with the resources open, and closes them after, whether it threw or not.
    public func withResources<Result: Sendable>(logger: Logger? = nil, _ body: (JobResources) async throws -> Result) async throws -> Result {
        let resources = try await openResources(logger: logger)
        do {
            let result = try await body(resources)
            await close(resources)
            return result
        } catch {
            await close(resources)
            throw error
        }
    }

    // MARK: - Jobs

    /// Checks the request through its kind and queues the job. A job of that name that is still
    /// active is refused before the kind touches anything (a graph store, a resource record).
    /// - Throws: `IngestError.jobAlreadyActive`, `JobKindError.unknownKind`, or the kind's error
    ///   naming the key and the fix; nothing is queued then.
    @discardableResult
    public func submit(_ request: JobRequest, broker: any Broker, resources: JobResources) async throws -> (JobDefinition, [NewTask]) {
        let kind = try kinds.kind(named: request.kind)
        if let existing = try await broker.job(named: request.name), !existing.state.isTerminal {
            throw IngestError.jobAlreadyActive(request.name)
        }
        let (job, tasks) = try await kind.prepare(request, resources: resources)
        try await broker.submit(job, tasks: tasks)
        return (job, tasks)
    }

    /// A worker running every kind's tasks: on `queues` in the order given, or with `queues` empty
    /// on every queue the broker knows (looked up again every second), ranked by the kinds.
    /// - Throws: the broker's readiness error (a Redis server that may evict keys), before anything is claimed.
    /// - Parameter observers: besides the task profiler (`--profile`), which every worker has.
    public func worker(
        broker: any Broker, resources: JobResources, configuration: WorkerConfiguration, observers: [any WorkerObserver] = [],
        logger: Logger
    ) async throws -> any Service {
        try await broker.checkReady()
        let handlers = try kinds.handlers(resources)
        let observers = [TaskProfiler()] + observers
        guard configuration.queues.isEmpty else {
            return Worker(broker: broker, handlers: handlers, configuration: configuration, observers: observers, logger: logger)
        }
        let kinds = self.kinds
        return AllQueuesWorker(
            broker: broker, handlers: handlers, configuration: configuration, order: { kinds.order($0) }, observers: observers,
            logger: logger)
    }

    /// Runs a job's tasks in this process until the job ends (`--synchronous`), under a service group
    /// so that Ctrl-C drains the worker.
    /// - Returns: the job's status at the end (or when a signal stopped the wait).
    public func runUntilJobEnds(
        _ job: String, queues: [String], concurrency: Int, leaseDuration: Double = 30, broker: any Broker, resources: JobResources,
        showProgress: Bool, logger: Logger
    ) async throws -> JobStatus {
        let configuration = WorkerConfiguration(
            queues: queues, concurrency: concurrency, leaseDuration: leaseDuration, stopWhenJobEnds: job)
        let worker = try await self.worker(broker: broker, resources: resources, configuration: configuration, logger: logger)
        return try await JobRunner.runUntilJobEnds(
            worker: worker, watcher: watcher(broker: broker), broker: broker, job: job, showProgress: showProgress, logger: logger)
    }

    /// Reports each job's pass starts and ends to `observers`, once per pass whichever worker ran
    /// it: for a process that watches all jobs (the server's metrics), beside or without workers.
    public func passMonitor(broker: any Broker, observers: [any WorkerObserver], logger: Logger) -> PassMonitor {
        PassMonitor(broker: broker, observers: observers, logger: logger)
    }

    // MARK: - Views

    /// What the job's kind says about it now, from its queue counts: for `watch` and the progress
    /// of `--synchronous` runs.
    public func report(for status: JobStatus, broker: any Broker) async -> JobReport {
        let queues = (try? await broker.queueCounts(job: status.name)) ?? [:]
        return kinds.report(status, queues: queues)
    }

    /// Follows a job with progress lines that carry its kind's report.
    public func watcher(broker: any Broker) -> JobWatcher {
        JobWatcher(broker: broker, reporter: { status in await self.report(for: status, broker: broker) })
    }

    /// Every job as `list` shows it, with what its kind says about it and, for a job with work
    /// waiting, the queues no live worker listens to.
    public func jobSummaries(broker: any Broker) async throws -> [JobSummary] {
        let workers = try await broker.liveWorkers()
        var summaries: [JobSummary] = []
        for status in try await broker.jobs() {
            var summary = JobSummary(status, report: kinds.report(status))
            summary.queuesWithoutWorkers = try await queuesWithoutWorkers(job: status, broker: broker, workers: workers)
            summaries.append(summary)
        }
        return summaries
    }

    /// One job as `GET /job/{name}` shows it, with its queue counts in its kind's report.
    /// - Throws: `IngestError.jobNotFound`.
    public func jobSummary(named name: String, broker: any Broker) async throws -> JobSummary {
        guard let status = try await broker.job(named: name) else { throw IngestError.jobNotFound(name) }
        // Read once: the count reads the job's tasks, and both the report and the waiting queues use it.
        let queues = (try? await broker.queueCounts(job: status.name)) ?? [:]
        var summary = JobSummary(status, report: kinds.report(status, queues: queues))
        summary.queuesWithoutWorkers = Self.queuesWithoutWorkers(job: status, queues: queues, workers: try await broker.liveWorkers())
        return summary
    }

    /// One page of jobs by name: those after `after`, at most `limit`, optionally of one state or kind.
    public func jobSummaries(
        broker: any Broker, after: String?, limit: Int, state: JobState? = nil, kind: String? = nil
    ) async throws -> (jobs: [JobSummary], next: String?) {
        let matching = try await broker.jobs()
            .filter { (state == nil || $0.state == state) && (kind == nil || $0.kind == kind) && (after == nil || $0.name > after!) }
            .sorted { $0.name < $1.name }
        let page = matching.prefix(limit)
        let workers = try await broker.liveWorkers()
        var summaries: [JobSummary] = []
        for status in page {
            var summary = JobSummary(status, report: kinds.report(status))
            summary.queuesWithoutWorkers = try await queuesWithoutWorkers(job: status, broker: broker, workers: workers)
            summaries.append(summary)
        }
        return (summaries, matching.count > limit ? page.last?.name : nil)
    }

    /// The queues holding ready tasks of `job` that no live worker listens to: the job waits there
    /// until a worker is started for them.
    public func queuesWithoutWorkers(job: JobStatus, broker: any Broker, workers: [WorkerRecord]? = nil) async throws -> [String] {
        guard job.state == .queued || job.state == .running else { return [] }
        let live: [WorkerRecord]
        if let workers { live = workers } else { live = try await broker.liveWorkers() }
        return Self.queuesWithoutWorkers(job: job, queues: try await broker.queueCounts(job: job.name), workers: live)
    }

    private static func queuesWithoutWorkers(job: JobStatus, queues: [String: QueueCounts], workers: [WorkerRecord]) -> [String] {
        guard job.state == .queued || job.state == .running else { return [] }
        let waiting = queues.filter { $0.value.ready > 0 }.keys
        return waiting.filter { queue in !workers.contains { $0.serves(queue) } }.sorted()
    }
}
