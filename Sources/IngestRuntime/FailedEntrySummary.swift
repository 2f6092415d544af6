import IngestCore

/// One entry in the failed registry, as `ingest failed` (and later the REST API) shows it.
public struct FailedEntrySummary: Encodable, Sendable {
    public var job: String
    public var queue: String
    /// The task kind, such as `sync.file` or `graph.chunk`.
    public var kind: String
    /// What failed: a path for a sync, a chunk for a graph build.
    public var key: String
    public var attempts: Int
    public var failedAt: String
    public var error: String
    /// The task's id, for tracing it in logs.
    public var taskId: Int64

    public init(_ task: FailedTask) {
        job = task.job
        queue = task.queue
        kind = task.kind
        key = task.key
        attempts = task.attempts
        failedAt = RFC3339.string(task.failedAt)
        error = task.error
        taskId = task.taskID
    }
}

/// One page of failed entries and where the next one starts (`ingest failed --after`, the REST
/// API's paged failures).
public struct FailedEntryPage: Encodable, Sendable {
    public var entries: [FailedEntrySummary]
    /// The `after` of the next page (the last entry's task id); null on the last page.
    @Nullable public var nextCursor: Int64?

    public init(entries: [FailedEntrySummary], nextCursor: Int64?) {
        self.entries = entries
        self.nextCursor = nextCursor
    }
}

extension IngestRuntime {
    /// A page of failed entries of a job, or else of the queue of that name (PyChunkedGraph users
    /// name queues such as `l2`), or of every job when `jobOrQueue` is nil.
    /// - Parameters:
    ///   - after: The previous page's `nextCursor`; nil for the first page.
    ///   - limit: At most this many entries; none for 0 or less.
    ///   - order: Oldest (lowest task id) or newest first.
    /// - Returns: The entries, and a cursor only when more follow, so the last page says it is last.
    public func failedEntries(
        jobOrQueue: String?, after: Int64? = nil, limit: Int, order: FailedOrder = .oldestFirst, broker: any Broker
    ) async throws -> FailedEntryPage {
        var job = jobOrQueue
        var queue: String?
        if let name = jobOrQueue, try await broker.job(named: name) == nil {
            guard try await broker.queueNames().contains(name) else { throw IngestError.jobNotFound(name) }
            (job, queue) = (nil, name)
        }
        guard limit > 0 else { return FailedEntryPage(entries: [], nextCursor: nil) }
        // One more than asked: whether it comes back tells whether this page is the last.
        let tasks = try await broker.failedTasks(
            job: job, queue: queue, after: after, limit: limit == Int.max ? limit : limit + 1, order: order)
        let entries = tasks.prefix(limit).map(FailedEntrySummary.init)
        return FailedEntryPage(entries: entries, nextCursor: tasks.count > limit ? entries.last?.taskId : nil)
    }
}

extension IngestRuntime {
    /// A page of `job`'s failed entries (the REST API's and the dashboard's).
    public func failedEntryPage(
        job: String, after: Int64?, limit: Int, order: FailedOrder = .oldestFirst, broker: any Broker
    ) async throws -> FailedEntryPage {
        try await failedEntries(jobOrQueue: job, after: after, limit: limit, order: order, broker: broker)
    }
}
