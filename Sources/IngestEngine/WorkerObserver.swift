import Foundation
import IngestCore

/// What a worker tells its observers: the task profiler is one, the server's metrics another.
/// Observers are called on the worker's own tasks and must return quickly (count, append, hand off).
public protocol WorkerObserver: Sendable {
    func observe(_ event: WorkerEvent, worker: String)
}

/// One thing that happened in a worker.
public enum WorkerEvent: Sendable {
    /// Leased from the broker; the handler has not started yet.
    case claimed(ClaimedTask)
    /// The handler started.
    case started(ClaimedTask)
    /// The task came to an outcome (its completion goes to the broker next).
    case ended(TaskEnd)
    /// Tasks of workers that stopped renewing were put back on their queues.
    case reaped(count: Int)
    /// A job's pass began running (its first task was claimed); a one-shot job has one pass.
    /// Reported by a `PassMonitor`, once per pass, whichever worker ran it. `kind` is the job's kind,
    /// so that an observer can label the pass without reading the job registry again.
    case passStarted(job: String, kind: String, pass: Int)
    /// A job's pass ended (`state` completed, failed or stopped); reported by a `PassMonitor`.
    case passEnded(job: String, kind: String, pass: Int, state: JobState)
}

/// How a task ended, with its times.
public struct TaskEnd: Sendable {
    public enum Result: String, Sendable {
        case succeeded
        /// Failed for good: it is in the failed registry.
        case failed
        /// Failed, and the broker runs it again after its delay (as far as the worker can tell: a task
        /// whose lease was lost before counts its re-deliveries as attempts).
        case retried
        /// Stopped because its job was stopped or its lease was lost.
        case cancelled
    }

    public var task: ClaimedTask
    public var completion: TaskCompletion
    public var start: Timestamp
    public var end: Timestamp

    public init(task: ClaimedTask, completion: TaskCompletion, start: Timestamp, end: Timestamp) {
        self.task = task
        self.completion = completion
        self.start = start
        self.end = end
    }

    public var result: Result {
        switch completion.outcome {
        case .succeeded:
            return .succeeded
        case .failed(let error, let retryable):
            if error == TaskCompletion.cancelledError { return .cancelled }
            return retryable && task.attempt <= task.retry.maxRetries ? .retried : .failed
        }
    }

    public var seconds: Double { end - start }
}
