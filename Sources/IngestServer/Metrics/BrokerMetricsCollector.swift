import IngestCore
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Sets the gauges that describe the broker as a whole (queue depths, jobs per state, each job's
/// progress, live workers) from a reading every `interval`, and probes the catalog when given one.
///
/// A job that leaves the registry (`ingest forget`, a flush) takes its gauges with it, so the label
/// sets stay as many as the jobs the broker holds. Every process that runs a collector on one
/// broker exports the same figures: aggregate them with `max`, not `sum`.
public final class BrokerMetricsCollector: Service {
    private let broker: any Broker
    private let catalog: (any Catalog)?
    private let metrics: IngestMetrics
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())

    /// - Parameters:
    ///   - catalog: probed at each reading; a failure counts in `ingest_catalog_errors_total`.
    ///   - interval: between two readings (5 s by default: each reads every job's queue counts).
    public init(broker: any Broker, catalog: (any Catalog)? = nil, metrics: IngestMetrics, interval: Duration = .seconds(5), logger: Logger) {
        self.broker = broker
        self.catalog = catalog
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    /// Reads every `interval` until cancelled or shut down gracefully.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await collectOnce()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }

    /// Reads the broker once and sets the gauges (also before a scrape, and in tests).
    /// - Returns: whether the broker answered; when it did not, the gauges keep their last values and
    ///   `ingest_broker_errors_total` counts the failure.
    @discardableResult
    public func collectOnce() async -> Bool {
        let generation = state.withLock { state in
            state.started += 1
            return state.started
        }
        if let catalog {
            do {
                _ = try await catalog.kind(of: "/")
            } catch {
                metrics.recordCatalogError()
                logger.warning("metrics: the catalog did not answer", metadata: ["error": "\(error)"])
            }
        }
        let reading: Reading
        do {
            reading = try await read()
        } catch {
            metrics.recordBrokerError()
            logger.warning("metrics: could not read the broker; the gauges keep their last values", metadata: ["error": "\(error)"])
            return false
        }
        state.withLock { state in
            // Two readings may overlap (a scrape during a periodic one): only the newer one counts.
            guard generation > state.applied else { return }
            state.applied = generation
            apply(reading, to: &state)
        }
        return true
    }

    // MARK: - Reading

    private struct Reading {
        var jobs: [JobStatus]
        var queues: [String: QueueCounts]
        var liveWorkers: Int
    }

    private func read() async throws -> Reading {
        let jobs = try await broker.jobs()
        var queues: [String: QueueCounts] = [:]
        for queue in try await broker.queueNames() { queues[queue] = QueueCounts() }
        // An ended job holds tasks only in the failed registry or blocked behind a failure.
        for job in jobs where !job.state.isTerminal || job.state == .failed || job.tasksFailed > 0 || job.blockedTasks > 0 {
            for (queue, counts) in try await broker.queueCounts(job: job.name) {
                queues[queue, default: QueueCounts()].add(counts)
            }
        }
        return Reading(jobs: jobs, queues: queues, liveWorkers: try await broker.liveWorkers().count)
    }

    // MARK: - Gauges

    private struct State {
        var started = 0
        var applied = 0
        var queues: [String: QueueGauges] = [:]
        var jobs: [String: JobGauges] = [:]
        var jobStates: [JobState: Gauge] = [:]
        var workersLive: Gauge?
    }

    private struct QueueGauges {
        var ready, running, failed, blocked: Gauge
        var all: [Gauge] { [ready, running, failed, blocked] }
    }

    private struct JobGauges {
        var kind: String
        var entriesDone, bytesDone, tasksRemaining: Gauge
        var all: [Gauge] { [entriesDone, bytesDone, tasksRemaining] }
    }

    private func apply(_ reading: Reading, to state: inout State) {
        let registry = metrics.registry
        for (queue, counts) in reading.queues {
            let gauges = state.queues[queue] ?? makeQueueGauges(queue)
            state.queues[queue] = gauges
            gauges.ready.set(Int64(counts.ready))
            gauges.running.set(Int64(counts.running))
            gauges.failed.set(Int64(counts.failed))
            gauges.blocked.set(Int64(counts.blocked))
        }
        for queue in state.queues.keys where reading.queues[queue] == nil {
            state.queues.removeValue(forKey: queue)?.all.forEach(registry.unregisterGauge)
        }

        var perState: [JobState: Int] = [:]
        var present = Set<String>()
        for job in reading.jobs {
            perState[job.state, default: 0] += 1
            present.insert(job.name)
            var gauges = state.jobs[job.name]
            if let existing = gauges, existing.kind != job.kind {
                // Submitted again as another kind: its old label set goes.
                existing.all.forEach(registry.unregisterGauge)
                gauges = nil
            }
            let current = gauges ?? makeJobGauges(job: job.name, kind: job.kind)
            state.jobs[job.name] = current
            current.entriesDone.set(job.entriesDone)
            current.bytesDone.set(job.counter(IngestCore.Counter.bytesDone))
            current.tasksRemaining.set(job.pendingTasks + job.blockedTasks)
        }
        for name in state.jobs.keys where !present.contains(name) {
            state.jobs.removeValue(forKey: name)?.all.forEach(registry.unregisterGauge)
        }

        for jobState in JobState.allCases {
            let gauge = state.jobStates[jobState] ?? registry.makeGauge(descriptor: MetricDefinitions.jobs.descriptor, labels: [("state", jobState.rawValue)])
            state.jobStates[jobState] = gauge
            gauge.set(Int64(perState[jobState, default: 0]))
        }
        let workers = state.workersLive ?? registry.makeGauge(descriptor: MetricDefinitions.workersLive.descriptor)
        state.workersLive = workers
        workers.set(Int64(reading.liveWorkers))
    }

    private func makeQueueGauges(_ queue: String) -> QueueGauges {
        let registry = metrics.registry
        let labels = [("queue", queue)]
        return QueueGauges(
            ready: registry.makeGauge(descriptor: MetricDefinitions.queueReady.descriptor, labels: labels),
            running: registry.makeGauge(descriptor: MetricDefinitions.queueRunning.descriptor, labels: labels),
            failed: registry.makeGauge(descriptor: MetricDefinitions.queueFailed.descriptor, labels: labels),
            blocked: registry.makeGauge(descriptor: MetricDefinitions.queueBlocked.descriptor, labels: labels))
    }

    private func makeJobGauges(job: String, kind: String) -> JobGauges {
        let registry = metrics.registry
        // `job_name`, not `job`: Prometheus keeps `job` for the scrape target (ours would become `exported_job`).
        let labels = [("job_name", job), ("kind", kind)]
        return JobGauges(
            kind: kind,
            entriesDone: registry.makeGauge(descriptor: MetricDefinitions.jobEntriesDone.descriptor, labels: labels),
            bytesDone: registry.makeGauge(descriptor: MetricDefinitions.jobBytesDone.descriptor, labels: labels),
            tasksRemaining: registry.makeGauge(descriptor: MetricDefinitions.jobTasksRemaining.descriptor, labels: labels))
    }
}

extension QueueCounts {
    fileprivate mutating func add(_ other: QueueCounts) {
        ready += other.ready
        blocked += other.blocked
        running += other.running
        failed += other.failed
    }
}
