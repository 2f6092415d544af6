import Foundation
import IngestCore
import IngestEngine

/// One job as `ingest list` (and later `GET /job`) shows it: the broker's counts and what the
/// job's kind says about it (a sync's source, target and operation; a graph's dataset and layers).
public struct JobSummary: Encodable, Sendable {
    public var name: String
    public var kind: String
    public var state: String
    /// The kind's one-line description: `/data -> /tempZone/home/rods/data (PUT_SYNC)`.
    public var description: String
    /// The kind's fields by name (`source`, `target`, `operation`; `dataset`, `layers`).
    public var details: [String: String]
    public var tasksTotal: Int64
    public var tasksRemaining: Int64
    public var tasksRunning: Int64
    public var tasksFailed: Int64
    public var tasksRetried: Int64
    public var entriesSeen: Int64
    public var entriesDone: Int64
    public var bytesDone: Int64
    public var counters: [String: Int64]
    /// When it was submitted (a periodic job: when its current or next pass is due).
    public var createdAt: String
    /// When a worker first claimed one of its tasks; null while it waits for one.
    @Nullable public var startedAt: String?
    @Nullable public var finishedAt: String?
    public var elapsedSeconds: Double
    @Nullable public var schedule: String?
    public var pass: Int
    @Nullable public var nextRunAt: String?
    @Nullable public var lastPass: PassSummary?
    /// Queues with this job's ready tasks that no live worker listens to.
    public var queuesWithoutWorkers: [String] = []
    /// Not encoded: what tables need besides the fields above.
    public let status: JobStatus

    private enum CodingKeys: String, CodingKey {
        case name, kind, state, description, details, tasksTotal, tasksRemaining, tasksRunning, tasksFailed, tasksRetried
        case entriesSeen, entriesDone, bytesDone, counters, createdAt, startedAt, finishedAt, elapsedSeconds, schedule, pass, nextRunAt, lastPass
        case queuesWithoutWorkers
    }

    public init(_ status: JobStatus, report: JobReport) {
        self.status = status
        name = status.name
        kind = status.kind
        state = status.state.rawValue
        description = report.summary
        details = Dictionary(report.details.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        tasksTotal = status.tasksTotal
        tasksRemaining = status.pendingTasks
        tasksRunning = status.runningTasks
        tasksFailed = status.tasksFailed
        tasksRetried = status.tasksRetried
        entriesSeen = status.counter(Counter.entriesSeen)
        entriesDone = status.entriesDone
        bytesDone = status.counter(Counter.bytesDone)
        counters = status.counters
        createdAt = RFC3339.string(status.createdAt)
        startedAt = status.startedAt.map(RFC3339.string)
        finishedAt = status.finishedAt.map(RFC3339.string)
        elapsedSeconds = (status.elapsed * 1000).rounded() / 1000
        schedule = status.schedule?.description
        pass = status.pass
        nextRunAt = status.nextRunAt.map(RFC3339.string)
        lastPass = status.lastPass.map(PassSummary.init)
    }
}
