import Foundation
import IngestCore
import Synchronization

/// Appends one `ProfileRecord` JSON line per finished task to the file its job asked for
/// (`ingest start --profile`); `ingest profile FILE --html OUT` draws them.
public final class TaskProfiler: WorkerObserver {
    private let files = Mutex<[String: RotatingLogFile]>([:])

    public init() {}

    public func observe(_ event: WorkerEvent, worker: String) {
        guard case .ended(let ended) = event else { return }
        record(ended.task, worker: worker, start: ended.start, end: ended.end, completion: ended.completion)
    }

    func record(_ task: ClaimedTask, worker: String, start: Timestamp, end: Timestamp, completion: TaskCompletion) {
        guard let path = task.profileFilename, let file = file(for: path) else { return }
        let entries = [Counter.entriesCreated, Counter.entriesUpdated, Counter.entriesUnchanged, Counter.entriesSkipped]
            .reduce(Int64(0)) { $0 + (completion.counters[$1] ?? 0) }
        let outcome: String
        switch completion.outcome {
        case .succeeded: outcome = "succeeded"
        case .failed(let error, _): outcome = error == TaskCompletion.cancelledError ? "cancelled" : "failed"
        }
        let record = ProfileRecord(
            job: task.job, queue: task.queue, kind: task.kind, key: task.key, worker: worker, start: start, end: end,
            entries: Int(entries), bytes: Int(completion.counters[Counter.bytesCopied] ?? completion.counters[Counter.bytesDone] ?? 0),
            outcome: outcome)
        guard let data = try? JSONEncoder().encode(record) else { return }
        file.append(String(decoding: data, as: UTF8.self))
    }

    private func file(for path: String) -> RotatingLogFile? {
        files.withLock { files in
            if let file = files[path] { return file }
            guard let file = try? RotatingLogFile(path: path, rotation: nil) else { return nil }
            files[path] = file
            return file
        }
    }
}
