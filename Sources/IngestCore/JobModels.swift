import Foundation

public enum JobState: String, Codable, Sendable, CaseIterable {
    /// `waiting`: a periodic job between passes; its next pass is queued to start at `nextRunAt`.
    case queued, running, waiting, stopping, stopped, completed, failed

    /// A job in a terminal state takes no more work until it is started or requeued again.
    public var isTerminal: Bool {
        switch self {
        case .stopped, .completed, .failed: true
        case .queued, .running, .waiting, .stopping: false
        }
    }
}

/// When a periodic job runs its passes again. A new pass starts only after the previous one ended.
public enum JobSchedule: Sendable, Codable, Equatable {
    /// `--interval N`: N seconds after the previous pass ended.
    case interval(seconds: Double)
    /// `--cron "0 3 * * *"`: at the next matching time after the previous pass ended.
    case cron(CronSchedule)

    /// The start of the pass after one that ended at `end`.
    public func nextRun(after end: Timestamp) -> Timestamp {
        switch self {
        case .interval(let seconds):
            return end + seconds
        case .cron(let schedule):
            // A schedule with no time in the next years never fires again.
            return schedule.nextRun(after: Date(timeIntervalSince1970: end))?.timeIntervalSince1970 ?? .greatestFiniteMagnitude
        }
    }

    public var description: String {
        switch self {
        case .interval(let seconds): "every \(seconds.formatted()) s after the previous pass"
        case .cron(let schedule): "cron \(schedule.expression)"
        }
    }
}

/// The summary of one ended pass of a job (`ingest history`).
public struct JobPass: Sendable, Codable, Equatable {
    public var pass: Int
    public var state: JobState
    public var startedAt: Timestamp
    public var finishedAt: Timestamp
    public var counters: [String: Int64]

    public init(pass: Int, state: JobState, startedAt: Timestamp, finishedAt: Timestamp, counters: [String: Int64]) {
        self.pass = pass
        self.state = state
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.counters = counters
    }
}

/// Counter names shared by every job kind, so `list`, `watch` and the progress bar read one vocabulary.
public enum Counter {
    public static let tasksQueued = "tasks.queued"
    public static let tasksDone = "tasks.done"
    public static let tasksFailed = "tasks.failed"
    public static let tasksRetried = "tasks.retried"
    public static let tasksCancelled = "tasks.cancelled"
    public static let entriesSeen = "entries.seen"
    public static let entriesCreated = "entries.created"
    public static let entriesUpdated = "entries.updated"
    public static let entriesUnchanged = "entries.unchanged"
    public static let entriesSkipped = "entries.skipped"
    public static let entriesFailed = "entries.failed"
    public static let bytesSeen = "bytes.seen"
    public static let bytesDone = "bytes.done"
    /// Bytes written into storage resources (PUT operations): only what was really written.
    public static let bytesCopied = "bytes.copied"
    /// Catalog entries removed (or moved to trash) because their source entry is gone.
    public static let entriesDeleted = "entries.deleted"
    /// Prefix of per-reason skip counters: `skipped.socket`, `skipped.excluded`, ...
    public static let skippedPrefix = "skipped."
}

/// What a user started: stored in the broker's job registry.
public struct JobDefinition: Sendable, Codable, Equatable {
    public var name: String
    /// `sync`, later `graph`, `pipeline`, `harvest`.
    public var kind: String
    /// The options the job was started with, as JSON, so `list --json` and later passes can show and reuse them.
    public var spec: Data
    /// Set for periodic jobs: when each next pass starts.
    public var schedule: JobSchedule?
    /// When set, workers append one JSON line per task of this job to this file (`--profile`).
    public var profileFilename: String?
    /// Tasks queued once a pass has nothing else left (a sync's `post_job` hook); the pass ends
    /// when they end. Not queued for a stopped job. Queued again when more work reopens the pass.
    public var finalTasks: [NewTask]

    public init(
        name: String, kind: String, spec: Data, schedule: JobSchedule? = nil, profileFilename: String? = nil, finalTasks: [NewTask] = []
    ) {
        self.name = name
        self.kind = kind
        self.spec = spec
        self.schedule = schedule
        self.profileFilename = profileFilename
        self.finalTasks = finalTasks
    }

    private enum CodingKeys: String, CodingKey { case name, kind, spec, schedule, profileFilename, finalTasks }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        kind = try container.decode(String.self, forKey: .kind)
        spec = try container.decode(Data.self, forKey: .spec)
        schedule = try container.decodeIfPresent(JobSchedule.self, forKey: .schedule)
        profileFilename = try container.decodeIfPresent(String.self, forKey: .profileFilename)
        finalTasks = try container.decodeIfPresent([NewTask].self, forKey: .finalTasks) ?? []
    }
}

/// Where a job stands: read in O(counters), never by scanning tasks.
public struct JobStatus: Sendable, Codable, Equatable {
    public var name: String
    public var kind: String
    public var spec: Data
    public var state: JobState
    /// When it was submitted; for a periodic job, when its current or next pass is due.
    public var createdAt: Timestamp
    /// When a worker first claimed one of its tasks (for a periodic job, of this pass); nil while
    /// it waits for a worker, so that rates and elapsed time count from the work, not the queueing.
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    /// Tasks ready or running and not yet ended.
    public var pendingTasks: Int64
    /// Tasks currently held by a worker.
    public var runningTasks: Int64
    /// Tasks waiting for tasks they depend on; not part of `pendingTasks`. A job that ends with
    /// blocked tasks (a dependency failed) ends as failed; they run once it is requeued and succeeds.
    public var blockedTasks: Int64
    public var counters: [String: Int64]
    public var schedule: JobSchedule?
    /// 1 for the first pass; each periodic pass adds one.
    public var pass: Int
    /// For a waiting periodic job: when its next pass starts.
    public var nextRunAt: Timestamp?
    /// For a periodic job: how its previous pass ended.
    public var lastPass: JobPass?

    public init(
        name: String, kind: String, spec: Data, state: JobState, createdAt: Timestamp, startedAt: Timestamp? = nil, finishedAt: Timestamp?,
        pendingTasks: Int64, runningTasks: Int64, blockedTasks: Int64 = 0, counters: [String: Int64],
        schedule: JobSchedule? = nil, pass: Int = 1, nextRunAt: Timestamp? = nil, lastPass: JobPass? = nil
    ) {
        self.name = name
        self.kind = kind
        self.spec = spec
        self.state = state
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.pendingTasks = pendingTasks
        self.runningTasks = runningTasks
        self.blockedTasks = blockedTasks
        self.counters = counters
        self.schedule = schedule
        self.pass = pass
        self.nextRunAt = nextRunAt
        self.lastPass = lastPass
    }

    public func counter(_ name: String) -> Int64 { counters[name] ?? 0 }

    public var tasksTotal: Int64 { counter(Counter.tasksQueued) }
    public var tasksFailed: Int64 { counter(Counter.tasksFailed) }
    public var tasksRetried: Int64 { counter(Counter.tasksRetried) }

    /// Entries whose processing ended, whatever the result.
    public var entriesDone: Int64 {
        counter(Counter.entriesCreated) + counter(Counter.entriesUpdated) + counter(Counter.entriesUnchanged)
            + counter(Counter.entriesSkipped) + counter(Counter.entriesFailed)
    }

    /// Seconds of work: from the first claim to the end (or now); 0 while queued or waiting. A
    /// job with no recorded start (stopped before any claim, or recorded before start times were
    /// kept) counts from its submission.
    public var elapsed: Double {
        if state == .queued || state == .waiting { return 0 }
        return max(0, (finishedAt ?? currentTimestamp()) - (startedAt ?? createdAt))
    }

    /// True when nothing failed: the exit status of `start --synchronous` and `watch`.
    public var succeeded: Bool {
        state == .completed && tasksFailed == 0 && counter(Counter.entriesFailed) == 0
    }
}
