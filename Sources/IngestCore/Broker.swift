import Foundation

/// Durable queues with leases, retries, dependency sets, a failed registry, a job registry and
/// per-job counters.
///
/// Every method that changes more than one thing does it atomically, so any number of
/// workers in any number of processes can share one broker. Implementations: `SQLiteBroker`
/// (embedded), `RedisBroker` (distributed).
public protocol Broker: Sendable {
    /// Registers a job and its first tasks in one step.
    ///
    /// A job whose earlier run has ended is replaced: its counters restart at zero and its old
    /// failed tasks are dropped. A job that is still queued, running, waiting or stopping is refused.
    /// A job with a schedule runs `tasks` again for each pass, when the schedule says.
    /// - Throws: `IngestError.jobAlreadyActive`.
    func submit(_ job: JobDefinition, tasks: [NewTask]) async throws

    /// Adds tasks to an existing job (`ingest chunk`, `ingest layer`), reopening it if it had ended.
    /// - Throws: `IngestError.jobNotFound`.
    func enqueue(_ tasks: [NewTask]) async throws

    /// Leases up to `limit` ready tasks from `queues`, taking queues in the order given.
    /// - Parameters:
    ///   - leaseDuration: seconds until the task is re-delivered unless renewed or finished.
    ///   - worker: an identifier shown to operators.
    func claim(queues: [String], limit: Int, leaseDuration: Double, worker: String) async throws -> [ClaimedTask]

    /// Extends held leases; the answer says which tasks the worker must abandon.
    func renew(_ leases: [TaskLease], leaseDuration: Double) async throws -> [TaskLease: LeaseStatus]

    /// Applies completions atomically. A completion whose fence no longer matches (its lease
    /// expired and the task went to another worker) is ignored, counters and spawned tasks included.
    /// - Returns: the leases whose completion was applied.
    @discardableResult
    func finish(_ completions: [TaskCompletion]) async throws -> Set<TaskLease>

    /// Puts every task whose lease has expired back on its queue.
    /// - Returns: how many tasks were re-delivered.
    @discardableResult
    func reapExpiredLeases() async throws -> Int

    func job(named name: String) async throws -> JobStatus?

    /// The ended passes of a job, oldest first (`ingest history`).
    func history(job name: String) async throws -> [JobPass]

    func jobs() async throws -> [JobStatus]

    /// A job's unfinished tasks per queue. Queues with nothing left are absent.
    func queueCounts(job name: String) async throws -> [String: QueueCounts]

    /// Every queue that has held a task since the last flush, sorted: what a worker started
    /// without `-Q` listens to.
    func queueNames() async throws -> [String]

    /// Cancels a job's queued and blocked tasks at once and records it as stopping (tasks still running) or stopped.
    /// - Throws: `IngestError.jobNotFound`.
    @discardableResult
    func stop(job name: String) async throws -> JobStatus

    /// One page of the failed registry, optionally for one job or one queue, in task id order
    /// (the order tasks were queued in).
    ///
    /// A page costs the same however deep into the registry it starts, and a filtered page what
    /// that job or queue holds rather than the whole registry: the REST API and the dashboard page
    /// through a million failures (`bench/failed-page`).
    /// - Parameters:
    ///   - after: The last task id of the previous page, nil for the first page; the page holds
    ///     only ids past it in `order`.
    ///   - limit: At most this many; none for 0 or less.
    ///   - order: `.oldestFirst` (ids ascending) or `.newestFirst` (descending).
    func failedTasks(job: String?, queue: String?, after: Int64?, limit: Int, order: FailedOrder) async throws -> [FailedTask]

    /// Puts failed tasks back on their queues and reopens their jobs.
    /// - Returns: how many tasks were requeued.
    @discardableResult
    func requeueFailed(job: String?, queue: String?) async throws -> Int

    /// Removes an ended job: its record, counters, passes and failed tasks.
    /// - Throws: `IngestError.jobNotFound`, `IngestError.jobAlreadyActive` for a job that has not ended.
    func forget(job name: String) async throws

    /// Records `owner` as the first claimant of each key in the job's current pass, unless the key
    /// is claimed already, and returns every key's owner in order.
    ///
    /// A task that claims again what it claimed on an earlier attempt gets its own claim back, so a
    /// retry loses nothing. Claims go when the pass ends, when the job is submitted again and on
    /// flush. `--follow_symlinks` uses them to walk a directory reached by many links once per pass.
    /// - Throws: `IngestError.jobNotFound`.
    func claimFirst(job: String, claims: [FirstClaim]) async throws -> [String]

    /// Removes every task, job, counter and shared value this broker holds.
    func flush() async throws

    // MARK: Shared values

    // A small key-value store per job for event handlers (`get_redis(config)` in iRODS automated
    // ingest: counters, flags, timestamps). Values belong to the job: they survive worker restarts,
    // periodic passes and a new submission of the ended job by the same name (as upstream's Redis
    // keys do), and go with `forget` and `flush`. Every call throws `IngestError.jobNotFound` for an
    // unknown job, so no value outlives its job. An expired value reads as absent.

    /// The job's value under `key`, or nil when there is none (or it expired).
    /// - Throws: `IngestError.jobNotFound`.
    func sharedValue(job: String, key: String) async throws -> Data?

    /// Stores `value` under `key`, replacing any value and its expiry.
    /// - Parameter expiresIn: Seconds until the value goes (more than 0), or nil to keep it until
    ///   deleted.
    /// - Throws: `IngestError.jobNotFound`; `IngestError.invalidOption` for an expiry of 0 s or less.
    func setSharedValue(job: String, key: String, value: Data, expiresIn: Double?) async throws

    /// Adds `amount` to the integer under `key` atomically, a missing value counting as 0, and keeps
    /// the value's expiry. Values are stored as decimal text ("42"), as Redis stores them.
    /// - Returns: The new value.
    /// - Throws: `IngestError.jobNotFound`; `IngestError.sharedValueNotInteger` when the stored value
    ///   is not a 64-bit integer in decimal text or the sum would overflow (nothing changes then).
    func incrementSharedValue(job: String, key: String, by amount: Int64) async throws -> Int64

    /// Deletes the values under `keys`.
    /// - Returns: How many of them there were.
    /// - Throws: `IngestError.jobNotFound`.
    func deleteSharedValues(job: String, keys: [String]) async throws -> Int

    /// Makes the value under `key` go `seconds` from now; 0 or less deletes it at once.
    /// - Returns: Whether there was a value.
    /// - Throws: `IngestError.jobNotFound`; `IngestError.invalidOption` for a time that is not finite.
    func expireSharedValue(job: String, key: String, after seconds: Double) async throws -> Bool

    /// Writes a worker's record; it counts as live until `ttl` seconds from now unless written again.
    func heartbeat(_ worker: WorkerRecord, ttl: Double) async throws

    /// The workers whose record is live, oldest first.
    func liveWorkers() async throws -> [WorkerRecord]

    /// Removes a worker's record: it has stopped.
    func removeWorker(id: String) async throws

    /// Refuses a broker that would lose work before any task is claimed from it (a Redis server
    /// that may evict keys), and checks that it answers.
    /// - Throws: an error naming the setting and the fix.
    func checkReady() async throws
}

extension Broker {
    /// A page of the failed registry, oldest first: ids ascending, strictly after `after`.
    public func failedTasks(job: String?, queue: String?, after: Int64?, limit: Int) async throws -> [FailedTask] {
        try await failedTasks(job: job, queue: queue, after: after, limit: limit, order: .oldestFirst)
    }

    /// The first `limit` entries of the failed registry, oldest first.
    public func failedTasks(job: String?, queue: String?, limit: Int) async throws -> [FailedTask] {
        try await failedTasks(job: job, queue: queue, after: nil, limit: limit, order: .oldestFirst)
    }
}

/// Which end of the failed registry a page starts from. Both follow task ids, so a cursor (the
/// last id seen) stays valid while failures are added and requeued.
public enum FailedOrder: Sendable, Hashable, CaseIterable {
    case oldestFirst
    case newestFirst
}

/// One key to claim with `Broker.claimFirst`, and who claims it.
public struct FirstClaim: Sendable, Hashable {
    public var key: String
    public var owner: String

    public init(key: String, owner: String) {
        self.key = key
        self.owner = owner
    }
}
