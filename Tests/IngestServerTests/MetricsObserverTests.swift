import Foundation
import IngestCore
import IngestEngine
import IngestServer
import IngestSync
import IngestTesting
import Logging
import Testing

func quietLogger() -> Logger {
    var logger = Logger(label: "ingest.test")
    logger.logLevel = .critical
    return logger
}

@Suite struct MetricsObserverTests {
    struct SyncRun {
        let engine: EmbeddedEngine
        let source: TemporaryDirectory
        let metrics: IngestMetrics
        let status: JobStatus
        /// What a `PassTracker` reported between a reading before the run and one after it.
        let passEvents: [WorkerEvent]
    }

    /// Syncs a tree of 4 directories of 6 files, 2 files per task, with a worker that reports to a
    /// `MetricsObserver`, and reports the pass events to it as a `PassMonitor` would.
    static func syncWithMetrics(job: String = "metrics") async throws -> SyncRun {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory(prefix: "ingest-source")
        try TreeBuilder.grid(source.path, directories: 4, filesPerDirectory: 6)
        let spec = SyncSpec(source: source.path, target: "/tempZone/home/rods/data", filesPerTask: 2)
        let (definition, tasks) = try await SyncJob.prepare(spec, jobName: job, catalog: engine.catalog)
        var passes = PassTracker()
        _ = passes.events(for: try await engine.broker.jobs())
        try await engine.broker.submit(definition, tasks: tasks)

        let metrics = IngestMetrics()
        let observer = MetricsObserver(metrics: metrics)
        let worker = Worker(
            broker: engine.broker, handlers: SyncJob.handlers(catalog: engine.catalog),
            configuration: WorkerConfiguration(queues: ["restart", "path", "file"], concurrency: 2, leaseDuration: 5, stopWhenJobEnds: job),
            observers: [observer], logger: quietLogger())
        try await worker.run()
        let passEvents = passes.events(for: try await engine.broker.jobs())
        for event in passEvents { observer.observe(event, worker: "pass-monitor") }
        let status = try #require(try await engine.broker.job(named: job))
        return SyncRun(engine: engine, source: source, metrics: metrics, status: status, passEvents: passEvents)
    }

    @Test func aSyncJobsTasksAreCountedPerQueueAndJobKind() async throws {
        let run = try await Self.syncWithMetrics()
        #expect(run.status.state == .completed)
        let exposition = Exposition(run.metrics.exposition())
        let done = Double(run.status.counter(Counter.tasksDone))
        #expect(done > 0)
        #expect(exposition.sum("ingest_tasks_completed_total") == done, "every task the job ran, once")
        #expect(exposition.sum("ingest_tasks_completed_total", ["kind": "sync"]) == done, "labelled with the job kind, not sync.file")
        #expect(exposition.value("ingest_tasks_completed_total", ["queue": "restart", "kind": "sync"]) == 1)
        #expect(exposition.value("ingest_tasks_completed_total", ["queue": "file", "kind": "sync"]) == 12, "4 directories of 3 batches")
        for queue in ["restart", "path", "file"] {
            let labels = ["queue": queue, "kind": "sync"]
            let completed = try #require(exposition.value("ingest_tasks_completed_total", labels))
            #expect(exposition.value("ingest_tasks_claimed_total", labels) == completed)
            for outcome in ["failed", "retried", "cancelled"] {
                #expect(exposition.value("ingest_tasks_\(outcome)_total", labels) == 0, "\(outcome) on \(queue): exported from 0")
            }
            #expect(exposition.value("ingest_task_duration_seconds_count", labels) == completed)
            #expect(exposition.value("ingest_task_duration_seconds_bucket", labels.merging(["le": "+Inf"]) { $1 }) == completed)
            #expect(exposition.value("ingest_task_duration_seconds_bucket", labels.merging(["le": "3600.0"]) { $1 }) == completed)
        }
        #expect(exposition.value("ingest_tasks_reaped_total") == 0)
    }

    @Test func aPassEndIsCountedWithItsJobKindAndState() async throws {
        let run = try await Self.syncWithMetrics()
        #expect(run.passEvents.count == 2, "started and ended: \(run.passEvents)")
        let exposition = Exposition(run.metrics.exposition())
        #expect(exposition.value("ingest_passes_total", ["kind": "sync", "state": "completed"]) == 1, "\(exposition.text)")
        #expect(exposition.samples("ingest_passes_total").count == 1)
    }

    /// Each result of `TaskEnd` in its own counter, and its time in the histogram's buckets.
    @Test(arguments: [
        (TaskOutcome.succeeded, 1, "completed"),
        (TaskOutcome.failed(error: "disk full", retryable: true), 1, "retried"),
        (TaskOutcome.failed(error: "disk full", retryable: true), 3, "failed"),
        (TaskOutcome.failed(error: "bad input", retryable: false), 1, "failed"),
        (TaskOutcome.failed(error: TaskCompletion.cancelledError, retryable: false), 1, "cancelled"),
    ])
    func eachResultCountsInItsOwnCounter(_ outcome: TaskOutcome, _ attempt: Int, _ counter: String) {
        let metrics = IngestMetrics()
        let observer = MetricsObserver(metrics: metrics)
        let task = ClaimedTask(
            lease: TaskLease(taskID: 1, fence: 1), job: "j", queue: "q", kind: "graph.chunk", key: "k", payload: Data(),
            retry: RetryPolicy(maxRetries: 2, delay: 0, timeout: 60), entryCount: 1, attempt: attempt)
        observer.observe(.claimed(task), worker: "w")
        observer.observe(.started(task), worker: "w")
        observer.observe(
            .ended(TaskEnd(task: task, completion: TaskCompletion(lease: task.lease, outcome: outcome), start: 100, end: 100.02)), worker: "w")
        let exposition = Exposition(metrics.exposition())
        let labels = ["queue": "q", "kind": "graph"]
        #expect(exposition.value("ingest_tasks_claimed_total", labels) == 1)
        for name in ["completed", "failed", "retried", "cancelled"] {
            #expect(exposition.value("ingest_tasks_\(name)_total", labels) == (name == counter ? 1 : 0), "\(name)")
        }
        // 20 ms: above the 10 ms bucket, within the 25 ms one.
        #expect(exposition.value("ingest_task_duration_seconds_bucket", labels.merging(["le": "0.01"]) { $1 }) == 0)
        #expect(exposition.value("ingest_task_duration_seconds_bucket", labels.merging(["le": "0.025"]) { $1 }) == 1)
    }

    @Test func reapedTasksAreCountedWithoutLabels() {
        let metrics = IngestMetrics()
        let observer = MetricsObserver(metrics: metrics)
        observer.observe(.reaped(count: 3), worker: "w")
        observer.observe(.reaped(count: 2), worker: "w")
        #expect(Exposition(metrics.exposition()).value("ingest_tasks_reaped_total") == 5)
    }

    @Test func aTaskKindWithoutANamespaceIsItsOwnJobKind() {
        let metrics = IngestMetrics()
        let task = ClaimedTask(
            lease: TaskLease(taskID: 1, fence: 1), job: "j", queue: "q", kind: "restart", key: "k", payload: Data(), retry: .default,
            entryCount: 1, attempt: 1)
        MetricsObserver(metrics: metrics).observe(.claimed(task), worker: "w")
        #expect(Exposition(metrics.exposition()).value("ingest_tasks_claimed_total", ["queue": "q", "kind": "restart"]) == 1)
    }
}
