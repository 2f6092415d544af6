import IngestCore
import IngestEngine
import Synchronization

/// Counts a worker's tasks (claimed, completed, failed, retried, cancelled, reaped), their
/// durations, and the pass ends a `PassMonitor` reports, into `IngestMetrics`.
///
/// Called on the worker's hot path for every task, so each event costs one dictionary lookup under
/// a lock and an atomic add: the handles and the job kind of each (queue, task kind) are kept.
public final class MetricsObserver: WorkerObserver {
    private let metrics: IngestMetrics
    private let handles = Mutex<[TaskKey: IngestMetrics.TaskHandles]>([:])

    private struct TaskKey: Hashable, Sendable {
        var queue: String
        var taskKind: String
    }

    public init(metrics: IngestMetrics) {
        self.metrics = metrics
    }

    public func observe(_ event: WorkerEvent, worker: String) {
        switch event {
        case .claimed(let task):
            handles(for: task).claimed.increment()
        case .started:
            break
        case .ended(let end):
            let handles = handles(for: end.task)
            switch end.result {
            case .succeeded: handles.completed.increment()
            case .failed: handles.failed.increment()
            case .retried: handles.retried.increment()
            case .cancelled: handles.cancelled.increment()
            }
            // A wall clock stepped back would give a negative time, which a histogram cannot hold.
            handles.duration.record(max(0, end.seconds))
        case .reaped(let count):
            if count > 0 { metrics.reaped.increment(by: Int64(count)) }
        case .passStarted:
            break
        case .passEnded(_, let kind, _, let state):
            metrics.passCounter(kind: kind, state: state.rawValue).increment()
        }
    }

    /// The job kind a task belongs to: its kind's namespace, `sync` for `sync.file`.
    static func jobKind(ofTaskKind kind: String) -> String {
        guard let dot = kind.firstIndex(of: ".") else { return kind }
        return String(kind[..<dot])
    }

    private func handles(for task: ClaimedTask) -> IngestMetrics.TaskHandles {
        let key = TaskKey(queue: task.queue, taskKind: task.kind)
        if let found = handles.withLock({ $0[key] }) { return found }
        let made = metrics.taskHandles(queue: task.queue, kind: Self.jobKind(ofTaskKind: task.kind))
        handles.withLock { $0[key] = made }
        return made
    }
}
