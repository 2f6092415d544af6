import Metrics
import Prometheus
import Synchronization

/// The process's Prometheus metrics: one registry, the handles Ingest updates in it, and its text
/// exposition for `/metrics`.
///
/// Each server or test makes its own instance, so nothing depends on the global `MetricsSystem`.
/// Ingest's own metrics are made on the registry directly rather than through swift-metrics: only
/// the registry takes a `# HELP` text (promtool's lint wants one on every metric), and the
/// registry refuses one name made both ways (it stops the process on a help text mismatch).
public final class IngestMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// For `MetricsSystem.bootstrap` (see `bootstrapMetricsSystem`), so that libraries' metrics land
    /// in the same registry.
    public let factory: PrometheusMetricsFactory

    let reaped: Prometheus.Counter
    let brokerErrors: Prometheus.Counter
    let catalogErrors: Prometheus.Counter
    /// Per-(queue, kind) task handles and per-(kind, state) pass counters, made on first use.
    private let taskHandles = Mutex<[TaskLabels: TaskHandles]>([:])
    private let passCounters = Mutex<[PassLabels: Prometheus.Counter]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        factory = PrometheusMetricsFactory(registry: registry)
        // Counters without labels exist from the start: a rate over them is 0, not absent.
        reaped = registry.makeCounter(descriptor: MetricDefinitions.tasksReaped.descriptor)
        brokerErrors = registry.makeCounter(descriptor: MetricDefinitions.brokerErrors.descriptor)
        catalogErrors = registry.makeCounter(descriptor: MetricDefinitions.catalogErrors.descriptor)
    }

    /// Every metric in the Prometheus text format (version 0.0.4).
    public func exposition() -> String {
        registry.emitToString()
    }

    /// The exposition as UTF-8 bytes, for an HTTP body.
    public func expositionBytes() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// Makes swift-metrics (`Counter(label:)` and the like, in libraries such as Hummingbird) report
    /// into this registry. `MetricsSystem.bootstrap` stops the process when called twice, so call this
    /// once per process, and only from an executable, never from a library or a test.
    public func bootstrapMetricsSystem() {
        MetricsSystem.bootstrap(factory)
    }

    /// Counts a failed read or write of the broker (the gauge collector's polls count themselves).
    public func recordBrokerError() {
        brokerErrors.increment()
    }

    /// Counts a failed read or write of the catalog (the gauge collector's probes count themselves).
    public func recordCatalogError() {
        catalogErrors.increment()
    }

    // MARK: - Handles

    /// The counters and histogram of tasks of one job kind on one queue.
    struct TaskHandles: Sendable {
        let claimed: Prometheus.Counter
        let completed: Prometheus.Counter
        let failed: Prometheus.Counter
        let retried: Prometheus.Counter
        let cancelled: Prometheus.Counter
        let duration: ValueHistogram
    }

    struct TaskLabels: Hashable, Sendable {
        var queue: String
        var kind: String
    }

    private struct PassLabels: Hashable, Sendable {
        var kind: String
        var state: String
    }

    /// The handles for tasks of job kind `kind` on `queue`, made (all at once, so every outcome of a
    /// queue and kind is exported from 0) the first time.
    func taskHandles(queue: String, kind: String) -> TaskHandles {
        let key = TaskLabels(queue: queue, kind: kind)
        if let handles = taskHandles.withLock({ $0[key] }) { return handles }
        // The registry returns the same metric for the same name and labels, so a race here is harmless.
        let labels = [("queue", queue), ("kind", kind)]
        let handles = TaskHandles(
            claimed: registry.makeCounter(descriptor: MetricDefinitions.tasksClaimed.descriptor, labels: labels),
            completed: registry.makeCounter(descriptor: MetricDefinitions.tasksCompleted.descriptor, labels: labels),
            failed: registry.makeCounter(descriptor: MetricDefinitions.tasksFailed.descriptor, labels: labels),
            retried: registry.makeCounter(descriptor: MetricDefinitions.tasksRetried.descriptor, labels: labels),
            cancelled: registry.makeCounter(descriptor: MetricDefinitions.tasksCancelled.descriptor, labels: labels),
            duration: registry.makeValueHistogram(
                descriptor: MetricDefinitions.taskDuration.descriptor, labels: labels, buckets: MetricDefinitions.taskDurationBuckets))
        taskHandles.withLock { $0[key] = handles }
        return handles
    }

    /// The counter of passes of job kind `kind` that ended in `state`.
    func passCounter(kind: String, state: String) -> Prometheus.Counter {
        let key = PassLabels(kind: kind, state: state)
        return passCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(descriptor: MetricDefinitions.passes.descriptor, labels: [("kind", kind), ("state", state)])
            counters[key] = counter
            return counter
        }
    }
}
