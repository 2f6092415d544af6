import Foundation

/// Seconds since the Unix epoch; every stored time uses this unit so SQLite and Redis agree.
public typealias Timestamp = Double

public func currentTimestamp() -> Timestamp {
    Date().timeIntervalSince1970
}

/// How a task should be retried and bounded in time.
public struct RetryPolicy: Codable, Sendable, Equatable {
    /// How many times a failed task runs again before it lands in the failed registry (iRODS automated ingest's `max_retries`).
    public var maxRetries: Int
    /// Seconds between a failure and the next attempt (iRODS automated ingest's `delay`).
    public var delay: Double
    /// Seconds one attempt may run before it counts as failed (iRODS automated ingest's `timeout`).
    public var timeout: Double

    public init(maxRetries: Int = 0, delay: Double = 0, timeout: Double = 3600) {
        self.maxRetries = maxRetries
        self.delay = delay
        self.timeout = timeout
    }

    public static let `default` = RetryPolicy()
}

/// A task to put on a queue.
public struct NewTask: Sendable, Equatable, Codable {
    public var job: String
    public var queue: String
    /// Which handler runs it (`restart`, `path`, `file`, ...).
    public var kind: String
    /// A deterministic key where one exists (a directory path, a chunk id); shown in `ingest failed`.
    public var key: String
    public var payload: Data
    public var retry: RetryPolicy
    /// How many user-visible entries this task stands for; added to `entries.failed` if it fails.
    public var entryCount: Int
    /// When set, the task is recorded straight into the failed registry with this error
    /// (a single entry that failed inside a batch whose other entries succeeded).
    public var failedWithError: String?
    /// The task is not claimed before this time (a periodic job's next pass).
    public var notBefore: Timestamp?
    /// Keys of tasks of the same job that must succeed before this one can be claimed (a parent
    /// chunk waits for its children). A key with no unfinished task in the job when this task is
    /// submitted is already satisfied. The broker releases the task in the same atomic step that
    /// completes its last dependency, so any number of workers may complete children.
    public var dependsOn: [String]

    public init(
        job: String, queue: String, kind: String, key: String, payload: Data,
        retry: RetryPolicy = .default, entryCount: Int = 1, failedWithError: String? = nil, notBefore: Timestamp? = nil,
        dependsOn: [String] = []
    ) {
        self.job = job
        self.queue = queue
        self.kind = kind
        self.key = key
        self.payload = payload
        self.retry = retry
        self.entryCount = entryCount
        self.failedWithError = failedWithError
        self.notBefore = notBefore
        self.dependsOn = dependsOn
    }

    private enum CodingKeys: String, CodingKey {
        case job, queue, kind, key, payload, retry, entryCount, failedWithError, notBefore, dependsOn
    }

    /// Reads pass templates stored before `dependsOn` existed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        job = try container.decode(String.self, forKey: .job)
        queue = try container.decode(String.self, forKey: .queue)
        kind = try container.decode(String.self, forKey: .kind)
        key = try container.decode(String.self, forKey: .key)
        payload = try container.decode(Data.self, forKey: .payload)
        retry = try container.decode(RetryPolicy.self, forKey: .retry)
        entryCount = try container.decode(Int.self, forKey: .entryCount)
        failedWithError = try container.decodeIfPresent(String.self, forKey: .failedWithError)
        notBefore = try container.decodeIfPresent(Timestamp.self, forKey: .notBefore)
        dependsOn = try container.decodeIfPresent([String].self, forKey: .dependsOn) ?? []
    }
}

/// Proof of a claim: a completion or renewal is honoured only while the fence still matches.
public struct TaskLease: Hashable, Sendable {
    public var taskID: Int64
    public var fence: Int64

    public init(taskID: Int64, fence: Int64) {
        self.taskID = taskID
        self.fence = fence
    }
}

/// A task handed to one worker under a lease.
public struct ClaimedTask: Sendable {
    public var lease: TaskLease
    public var job: String
    public var queue: String
    public var kind: String
    public var key: String
    public var payload: Data
    public var retry: RetryPolicy
    public var entryCount: Int
    /// 1 on first delivery; higher after a retry or a re-delivery of an expired lease.
    public var attempt: Int
    /// The job's profile file, when it asked for one.
    public var profileFilename: String?

    public init(
        lease: TaskLease, job: String, queue: String, kind: String, key: String, payload: Data,
        retry: RetryPolicy, entryCount: Int, attempt: Int, profileFilename: String? = nil
    ) {
        self.lease = lease
        self.job = job
        self.queue = queue
        self.kind = kind
        self.key = key
        self.payload = payload
        self.retry = retry
        self.entryCount = entryCount
        self.attempt = attempt
        self.profileFilename = profileFilename
    }
}

/// How one attempt ended.
public enum TaskOutcome: Sendable, Equatable {
    case succeeded
    /// A retryable failure goes back on the queue after the policy's delay while retries remain.
    case failed(error: String, retryable: Bool)
}

/// Everything a finished attempt changes, applied by the broker in one atomic step:
/// the task's end, the tasks it spawned and the counters it moved.
public struct TaskCompletion: Sendable {
    public var lease: TaskLease
    public var outcome: TaskOutcome
    public var spawned: [NewTask]
    public var counters: [String: Int64]

    /// The error text of a task abandoned because its job is stopping.
    public static let cancelledError = "cancelled"

    public init(lease: TaskLease, outcome: TaskOutcome, spawned: [NewTask] = [], counters: [String: Int64] = [:]) {
        self.lease = lease
        self.outcome = outcome
        self.spawned = spawned
        self.counters = counters
    }
}

/// What the broker says about a held lease when a worker renews it.
public enum LeaseStatus: Sendable, Equatable {
    case renewed
    /// Another worker owns the task now (the lease expired); stop working on it.
    case lost
    /// The job is stopping; abandon the task.
    case jobStopping
}

/// A task in the failed registry.
public struct FailedTask: Sendable, Codable, Equatable {
    public var taskID: Int64
    public var job: String
    public var queue: String
    public var kind: String
    public var key: String
    public var error: String
    public var attempts: Int
    public var failedAt: Timestamp

    public init(taskID: Int64, job: String, queue: String, kind: String, key: String, error: String, attempts: Int, failedAt: Timestamp) {
        self.taskID = taskID
        self.job = job
        self.queue = queue
        self.kind = kind
        self.key = key
        self.error = error
        self.attempts = attempts
        self.failedAt = failedAt
    }
}

/// A job's unfinished tasks on one queue (`ingest status`); read without scanning tasks.
public struct QueueCounts: Sendable, Codable, Equatable {
    /// Waiting on the queue, including those delayed for a retry.
    public var ready: Int64
    /// Waiting for tasks they depend on.
    public var blocked: Int64
    /// Held by a worker.
    public var running: Int64
    /// In the failed registry.
    public var failed: Int64

    public init(ready: Int64 = 0, blocked: Int64 = 0, running: Int64 = 0, failed: Int64 = 0) {
        self.ready = ready
        self.blocked = blocked
        self.running = running
        self.failed = failed
    }
}
