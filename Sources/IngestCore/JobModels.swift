import Foundation

public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, running, stopping, stopped, completed, failed

    /// A job in a terminal state takes no more work until it is started or requeued again.
    public var isTerminal: Bool {
        switch self {
        case .stopped, .completed, .failed: true
        case .queued, .running, .stopping: false
        }
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
}

/// What a user started: stored in the broker's job registry.
public struct JobDefinition: Sendable, Codable, Equatable {
    public var name: String
    /// `sync`, later `graph`, `pipeline`, `harvest`.
    public var kind: String
    /// The options the job was started with, as JSON, so `list --json` and later passes can show and reuse them.
    public var spec: Data

    public init(name: String, kind: String, spec: Data) {
        self.name = name
        self.kind = kind
        self.spec = spec
    }
}

/// Where a job stands: read in O(counters), never by scanning tasks.
public struct JobStatus: Sendable, Codable, Equatable {
    public var name: String
    public var kind: String
    public var spec: Data
    public var state: JobState
    public var createdAt: Timestamp
    public var finishedAt: Timestamp?
    /// Tasks queued or running and not yet ended.
    public var pendingTasks: Int64
    /// Tasks currently held by a worker.
    public var runningTasks: Int64
    public var counters: [String: Int64]

    public init(
        name: String, kind: String, spec: Data, state: JobState, createdAt: Timestamp, finishedAt: Timestamp?,
        pendingTasks: Int64, runningTasks: Int64, counters: [String: Int64]
    ) {
        self.name = name
        self.kind = kind
        self.spec = spec
        self.state = state
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.pendingTasks = pendingTasks
        self.runningTasks = runningTasks
        self.counters = counters
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

    public var elapsed: Double {
        (finishedAt ?? currentTimestamp()) - createdAt
    }

    /// True when nothing failed: the exit status of `start --synchronous` and `watch`.
    public var succeeded: Bool {
        state == .completed && tasksFailed == 0 && counter(Counter.entriesFailed) == 0
    }
}
