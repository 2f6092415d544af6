import Foundation

/// A live worker as the broker knows it: `ingest workers`, and the check that a job's queues have
/// someone listening. Each worker writes its record with every heartbeat; a record not renewed
/// within its time to live is gone (the worker died or was cut off).
public struct WorkerRecord: Codable, Sendable, Equatable {
    public var id: String
    public var host: String
    public var pid: Int32
    /// The queues it claims from, in its order; empty when it listens to every queue.
    public var queues: [String]
    public var concurrency: Int
    public var startedAt: Timestamp
    public var lastHeartbeat: Timestamp
    /// Tasks it holds now, and tasks it has ended since it started.
    public var running: Int
    public var done: Int

    public init(
        id: String, host: String, pid: Int32, queues: [String], concurrency: Int, startedAt: Timestamp, lastHeartbeat: Timestamp,
        running: Int = 0, done: Int = 0
    ) {
        self.id = id
        self.host = host
        self.pid = pid
        self.queues = queues
        self.concurrency = concurrency
        self.startedAt = startedAt
        self.lastHeartbeat = lastHeartbeat
        self.running = running
        self.done = done
    }

    public func serves(_ queue: String) -> Bool {
        queues.isEmpty || queues.contains(queue)
    }
}
