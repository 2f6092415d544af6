import Prometheus

/// Every metric Ingest exports, with its help text. The names are an interface: the Grafana
/// dashboard and the alert documentation query them, so a rename breaks both.
enum MetricDefinitions {
    /// A name and help text; the registry's descriptor is made at use, as it is not `Sendable`.
    struct Definition: Sendable {
        let name: String
        let help: String

        init(_ name: String, _ help: String) {
            self.name = name
            self.help = help
        }

        var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
    }

    // MARK: Tasks, counted by the workers that run them ({queue, kind}, kind being the job kind)

    static let tasksClaimed = Definition("ingest_tasks_claimed_total", "Tasks this process leased from the broker.")
    static let tasksCompleted = Definition("ingest_tasks_completed_total", "Tasks this process ran to success.")
    static let tasksFailed = Definition(
        "ingest_tasks_failed_total", "Tasks this process saw fail for good; they are in the failed registry.")
    static let tasksRetried = Definition(
        "ingest_tasks_retried_total", "Tasks this process saw fail and go back to their queue for another attempt.")
    static let tasksCancelled = Definition(
        "ingest_tasks_cancelled_total", "Tasks this process stopped because their job was stopped or their lease was lost.")
    static let tasksReaped = Definition(
        "ingest_tasks_reaped_total", "Tasks of workers that stopped renewing their leases, put back on their queues by this process.")
    static let taskDuration = Definition(
        "ingest_task_duration_seconds", "Seconds from a task's start to its outcome in this process, whatever the outcome.")
    /// From 1 ms (a batch of unchanged files) to 1 h (a large copy or a graph chunk).
    static let taskDurationBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600,
    ]

    // MARK: Passes ({kind, state}), from the pass monitor

    static let passes = Definition("ingest_passes_total", "Job passes that ended, by job kind and how they ended.")

    // MARK: Broker gauges, read by the collector (the same in every process that reads one broker)

    static let queueReady = Definition(
        "ingest_queue_ready_tasks", "Tasks waiting on the queue, including those waiting out a retry delay.")
    static let queueRunning = Definition("ingest_queue_running_tasks", "Tasks of the queue held by a worker.")
    static let queueFailed = Definition("ingest_queue_failed_tasks", "Tasks of the queue in the failed registry.")
    // No `ingest_queue_delayed_tasks`: both brokers count a task waiting out a retry delay (or a
    // periodic job's next pass) as ready, and `QueueCounts` has no delayed count to report.
    static let queueBlocked = Definition("ingest_queue_blocked_tasks", "Tasks of the queue waiting for the tasks they depend on.")
    static let jobs = Definition("ingest_jobs", "Jobs in the broker's registry, by state.")
    static let jobEntriesDone = Definition(
        "ingest_job_entries_done", "Entries of the job's current pass whose processing ended, whatever the result.")
    static let jobBytesDone = Definition("ingest_job_bytes_done", "Bytes of the job's current pass processed.")
    static let jobTasksRemaining = Definition(
        "ingest_job_tasks_remaining", "Tasks of the job not yet ended: ready, running, or waiting for tasks they depend on.")
    static let workersLive = Definition("ingest_workers_live", "Workers whose heartbeat is current.")

    // MARK: Errors

    static let brokerErrors = Definition("ingest_broker_errors_total", "Failed reads or writes of the broker.")
    static let catalogErrors = Definition("ingest_catalog_errors_total", "Failed reads or writes of the catalog.")
}
