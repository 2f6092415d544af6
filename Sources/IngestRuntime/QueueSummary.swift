import IngestCore

/// One queue across every job, as `GET /queues` and the dashboard show it: tasks waiting,
/// waiting on others, running and failed, and the live workers that listen to it.
public struct QueueSummary: Encodable, Sendable {
    public var queue: String
    public var ready: Int64
    public var blocked: Int64
    public var running: Int64
    public var failed: Int64
    /// The jobs with tasks on it now.
    public var jobs: [String]
    public var workers: Int
}

extension IngestRuntime {
    /// Every queue the broker knows, by name, summed over the active jobs.
    public func queues(broker: any Broker) async throws -> [QueueSummary] {
        var byQueue: [String: QueueSummary] = [:]
        for name in try await broker.queueNames() {
            byQueue[name] = QueueSummary(queue: name, ready: 0, blocked: 0, running: 0, failed: 0, jobs: [], workers: 0)
        }
        // An ended job holds tasks only in the failed registry: the others are skipped unread.
        for job in try await broker.jobs() where !job.state.isTerminal || job.tasksFailed > 0 {
            for (queue, counts) in try await broker.queueCounts(job: job.name) {
                var summary = byQueue[queue] ?? QueueSummary(queue: queue, ready: 0, blocked: 0, running: 0, failed: 0, jobs: [], workers: 0)
                summary.ready += counts.ready
                summary.blocked += counts.blocked
                summary.running += counts.running
                summary.failed += counts.failed
                if counts.ready + counts.blocked + counts.running + counts.failed > 0 { summary.jobs.append(job.name) }
                byQueue[queue] = summary
            }
        }
        let workers = try await broker.liveWorkers()
        return byQueue.values.sorted { $0.queue < $1.queue }.map { summary in
            var summary = summary
            summary.workers = workers.filter { $0.serves(summary.queue) }.count
            return summary
        }
    }
}
