import Foundation
import IngestCore
import IngestRuntime
import IngestServer
import IngestTesting
import Testing

/// The broker gauges, read from a real SQLite broker.
@Suite struct MetricsCollectorTests {
    private static func task(_ job: String, _ queue: String, _ key: String, kind: String = "sync.file", dependsOn: [String] = []) -> NewTask {
        NewTask(job: job, queue: queue, kind: kind, key: key, payload: Data(), retry: RetryPolicy(maxRetries: 0, delay: 0, timeout: 60), dependsOn: dependsOn)
    }

    /// Two jobs over two queues with tasks ready, running, failed and blocked, and one live worker.
    private func busyBroker() async throws -> BrokerUnderTest {
        let subject = try BrokerFactory.sqlite.make()
        let broker = subject.broker
        try await broker.submit(
            JobDefinition(name: "a", kind: "sync", spec: Data("{}".utf8)),
            tasks: [Self.task("a", "path", "p1"), Self.task("a", "path", "p2"), Self.task("a", "path", "p3"), Self.task("a", "file", "f1")])
        // Two path tasks held by a worker, and the file task of `a` failed for good.
        _ = try await broker.claim(queues: ["path"], limit: 2, leaseDuration: 600, worker: "w")
        let failing = try await broker.claim(queues: ["file"], limit: 1, leaseDuration: 600, worker: "w")
        try await broker.finish(failing.map { TaskCompletion(lease: $0.lease, outcome: .failed(error: "bad", retryable: false)) })
        try await broker.submit(
            JobDefinition(name: "b", kind: "graph", spec: Data("{}".utf8)),
            tasks: [Self.task("b", "file", "child", kind: "graph.chunk"), Self.task("b", "file", "parent", kind: "graph.chunk", dependsOn: ["child"])])
        try await broker.heartbeat(
            WorkerRecord(id: "w", host: "h", pid: 1, queues: [], concurrency: 2, startedAt: currentTimestamp(), lastHeartbeat: currentTimestamp()),
            ttl: 600)
        return subject
    }

    @Test func queueGaugesAreTheSumOfEveryJobsQueueCounts() async throws {
        let subject = try await busyBroker()
        let metrics = IngestMetrics()
        let collector = BrokerMetricsCollector(broker: subject.broker, metrics: metrics, logger: quietLogger())
        #expect(await collector.collectOnce())
        let exposition = Exposition(metrics.exposition())

        var expected: [String: QueueCounts] = [:]
        for job in try await subject.broker.jobs() {
            for (queue, counts) in try await subject.broker.queueCounts(job: job.name) {
                var sum = expected[queue, default: QueueCounts()]
                sum.ready += counts.ready
                sum.running += counts.running
                sum.failed += counts.failed
                sum.blocked += counts.blocked
                expected[queue] = sum
            }
        }
        #expect(expected["path"] == QueueCounts(ready: 1, running: 2), "the setup: \(expected)")
        #expect(expected["file"] == QueueCounts(ready: 1, blocked: 1, failed: 1), "the setup: \(expected)")
        for (queue, counts) in expected {
            #expect(exposition.value("ingest_queue_ready_tasks", ["queue": queue]) == Double(counts.ready), "\(queue)")
            #expect(exposition.value("ingest_queue_running_tasks", ["queue": queue]) == Double(counts.running), "\(queue)")
            #expect(exposition.value("ingest_queue_failed_tasks", ["queue": queue]) == Double(counts.failed), "\(queue)")
            #expect(exposition.value("ingest_queue_blocked_tasks", ["queue": queue]) == Double(counts.blocked), "\(queue)")
        }
        #expect(exposition.value("ingest_workers_live") == 1)
    }

    @Test func jobGaugesCountJobsPerStateAndEachJobsWork() async throws {
        let subject = try await busyBroker()
        // A third job, run to its end, with entries and bytes.
        try await subject.broker.submit(JobDefinition(name: "c", kind: "sync", spec: Data("{}".utf8)), tasks: [Self.task("c", "done", "f")])
        let claimed = try await subject.broker.claim(queues: ["done"], limit: 1, leaseDuration: 600, worker: "w")
        try await subject.broker.finish(claimed.map {
            TaskCompletion(lease: $0.lease, outcome: .succeeded, counters: [Counter.entriesCreated: 5, Counter.entriesUnchanged: 2, Counter.bytesDone: 1234])
        })
        let metrics = IngestMetrics()
        #expect(await BrokerMetricsCollector(broker: subject.broker, metrics: metrics, logger: quietLogger()).collectOnce())
        let exposition = Exposition(metrics.exposition())

        let jobs = try await subject.broker.jobs()
        for state in JobState.allCases {
            #expect(exposition.value("ingest_jobs", ["state": state.rawValue]) == Double(jobs.filter { $0.state == state }.count), "\(state)")
        }
        #expect(exposition.value("ingest_jobs", ["state": "completed"]) == 1)
        for job in jobs {
            let labels = ["job_name": job.name, "kind": job.kind]
            #expect(exposition.value("ingest_job_tasks_remaining", labels) == Double(job.pendingTasks + job.blockedTasks), "\(job.name)")
            #expect(exposition.value("ingest_job_entries_done", labels) == Double(job.entriesDone), "\(job.name)")
        }
        #expect(exposition.value("ingest_job_entries_done", ["job_name": "c", "kind": "sync"]) == 7)
        #expect(exposition.value("ingest_job_bytes_done", ["job_name": "c", "kind": "sync"]) == 1234)
        #expect(exposition.value("ingest_job_tasks_remaining", ["job_name": "b", "kind": "graph"]) == 2, "one ready, one blocked")
    }

    @Test func aForgottenJobTakesItsGaugesWithIt() async throws {
        let subject = try BrokerFactory.sqlite.make()
        let broker = subject.broker
        try await broker.submit(JobDefinition(name: "kept", kind: "sync", spec: Data("{}".utf8)), tasks: [Self.task("kept", "file", "k")])
        try await broker.submit(JobDefinition(name: "gone", kind: "sync", spec: Data("{}".utf8)), tasks: [Self.task("gone", "path", "g")])
        let claimed = try await broker.claim(queues: ["path"], limit: 1, leaseDuration: 600, worker: "w")
        try await broker.finish(claimed.map { TaskCompletion(lease: $0.lease, outcome: .succeeded) })
        let metrics = IngestMetrics()
        let collector = BrokerMetricsCollector(broker: broker, metrics: metrics, logger: quietLogger())
        #expect(await collector.collectOnce())
        #expect(Exposition(metrics.exposition()).value("ingest_job_tasks_remaining", ["job_name": "gone"]) == 0, "there while the broker holds it")

        try await broker.forget(job: "gone")
        #expect(await collector.collectOnce())
        let exposition = Exposition(metrics.exposition())
        #expect(exposition.samples.filter { $0.labels["job_name"] == "gone" }.isEmpty, "\(exposition.text)")
        #expect(exposition.value("ingest_job_tasks_remaining", ["job_name": "kept", "kind": "sync"]) == 1)
        #expect(exposition.value("ingest_jobs", ["state": "completed"]) == 0)
    }

    @Test func aBrokerThatDoesNotAnswerCountsAnErrorAndKeepsTheLastValues() async throws {
        // A Redis broker on a port where nothing listens, opened as the runtime opens any broker URL.
        let home = try TemporaryDirectory(prefix: "ingest-home")
        let port = try TestServers.freeLoopbackPort()
        let settings = try IngestSettings(environment: ["INGEST_HOME": home.path, "INGEST_BROKER_URL": "redis://127.0.0.1:\(port)/0"])
        let metrics = IngestMetrics()
        let collector = BrokerMetricsCollector(broker: try settings.openBroker(), metrics: metrics, logger: quietLogger())
        #expect(await collector.collectOnce() == false)
        #expect(await collector.collectOnce() == false)
        let exposition = Exposition(metrics.exposition())
        #expect(exposition.value("ingest_broker_errors_total") == 2)
        #expect(exposition.value("ingest_catalog_errors_total") == 0)
        #expect(exposition.samples("ingest_jobs").isEmpty, "no reading, no figures")
    }
}
