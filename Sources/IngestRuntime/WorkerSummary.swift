import IngestCore

/// A live worker, as `ingest workers` (and later `GET /workers`) shows it.
public struct WorkerSummary: Encodable, Sendable {
    public var id: String
    public var host: String
    public var pid: Int32
    /// The queues it claims from, in its order; empty when it listens to every queue.
    public var queues: [String]
    public var concurrency: Int
    public var tasksRunning: Int
    public var tasksDone: Int
    public var startedAt: String
    public var lastHeartbeatAt: String
    /// Not encoded: the heartbeat as a time, for "3s ago".
    public let lastHeartbeat: Timestamp

    private enum CodingKeys: String, CodingKey {
        case id, host, pid, queues, concurrency, tasksRunning, tasksDone, startedAt, lastHeartbeatAt
    }

    public init(_ record: WorkerRecord) {
        id = record.id
        host = record.host
        pid = record.pid
        queues = record.queues
        concurrency = record.concurrency
        tasksRunning = record.running
        tasksDone = record.done
        startedAt = RFC3339.string(record.startedAt)
        lastHeartbeatAt = RFC3339.string(record.lastHeartbeat)
        lastHeartbeat = record.lastHeartbeat
    }
}

extension IngestRuntime {
    /// The workers whose records are still fresh, in the broker's order.
    public func workers(broker: any Broker) async throws -> [WorkerSummary] {
        try await broker.liveWorkers().map(WorkerSummary.init)
    }
}
