import Foundation
import Logging
import Synchronization

/// Set by the worker when a task must stop early: its lease was lost or its job is stopping.
public final class TaskCancellation: Sendable {
    private let flag = Mutex(false)
    /// Set when the handler's Swift task was cancelled (a timeout), for work that runs on a thread of
    /// its own where `Task.isCancelled` cannot see it.
    private let taskFlag = Mutex(false)

    public init() {}

    public func cancel() { flag.withLock { $0 = true } }

    /// Records that the Swift task running the handler was cancelled; called from a cancellation
    /// handler around work handed to another thread.
    public func noteTaskCancelled() { taskFlag.withLock { $0 = true } }

    /// True once the worker has told this task to stop (not merely because its Swift task was cancelled).
    public var wasCancelledByWorker: Bool { flag.withLock { $0 } }

    public var isCancelled: Bool { wasCancelledByWorker || taskFlag.withLock { $0 } || Task.isCancelled }

    /// Throws `CancellationError` once the task should stop; handlers call it between entries.
    public func check() throws {
        if isCancelled { throw CancellationError() }
    }
}

/// What a handler gets besides its task.
public struct TaskContext: Sendable {
    public var logger: Logger
    public var cancellation: TaskCancellation
    /// The broker the task came from, for state a pass shares between its tasks (`claimFirst`).
    /// The worker always sets it; only tests that run a handler by hand leave it out.
    public var broker: (any Broker)?

    public init(logger: Logger, cancellation: TaskCancellation, broker: (any Broker)? = nil) {
        self.logger = logger
        self.cancellation = cancellation
        self.broker = broker
    }
}

/// What a successful handler run produced; the worker turns it into a `TaskCompletion`.
public struct TaskResult: Sendable {
    public var spawned: [NewTask]
    public var counters: [String: Int64]

    public init(spawned: [NewTask] = [], counters: [String: Int64] = [:]) {
        self.spawned = spawned
        self.counters = counters
    }

    public mutating func add(_ value: Int64, to counter: String) {
        if value != 0 { counters[counter, default: 0] += value }
    }
}

/// An error a handler throws when retrying cannot help (bad payload, bad input).
public struct PermanentTaskError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs one kind of task. Handlers must be idempotent: a task can be delivered more than once.
public protocol TaskHandler: Sendable {
    /// The task kind this handler runs (`restart`, `path`, `file`, ...).
    var kind: String { get }
    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult
}
