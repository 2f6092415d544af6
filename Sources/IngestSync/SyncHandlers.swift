import Foundation
import IngestCore

/// The sync job: a `restart` task begins a pass, `path` tasks list one directory each and
/// `file` tasks register batches of up to `files_per_task` entries.
public enum SyncJob {
    /// The handlers a worker needs to run sync tasks against `catalog`.
    public static func handlers(catalog: any Catalog) -> [any TaskHandler] {
        [RestartHandler(catalog: catalog), PathHandler(catalog: catalog), FileHandler(catalog: catalog)]
    }

    /// Checks source and target before anything is queued, and returns the job's first task.
    /// - Throws: `IngestError.invalidSource` or `.invalidTarget` naming the problem and the fix.
    public static func prepare(_ spec: SyncSpec, jobName: String, catalog: any Catalog) async throws -> (JobDefinition, [NewTask]) {
        var spec = spec
        spec.target = try LogicalPath.normalize(spec.target).get()
        spec.source = try validatedSource(spec.source)
        guard spec.filesPerTask >= 1 else {
            throw IngestError.invalidOption(name: "--files_per_task", reason: "must be at least 1, got \(spec.filesPerTask)")
        }
        for ancestor in LogicalPath.lineage(of: spec.target) {
            if try await catalog.kind(of: ancestor) == .dataObject {
                let reason = ancestor == spec.target
                    ? "it is a data object, not a collection; give a collection path"
                    : "it lies under the data object \(ancestor); give a collection path"
                throw IngestError.invalidTarget(path: spec.target, reason: reason)
            }
        }
        let job = JobDefinition(name: jobName, kind: SyncSpec.jobKind, spec: PayloadCoding.encode(spec))
        let restart = NewTask(
            job: jobName, queue: spec.queues.restart, kind: SyncTaskKind.restart, key: spec.source,
            payload: PayloadCoding.encode(spec), retry: spec.retry)
        return (job, [restart])
    }

    static func validatedSource(_ source: String) throws -> String {
        let absolute = source.hasPrefix("/") ? source : FileManager.default.currentDirectoryPath + "/" + source
        let standardized = URL(fileURLWithPath: absolute).standardizedFileURL.path
        var info = stat()
        guard stat(standardized, &info) == 0 else {
            throw IngestError.invalidSource(path: source, reason: "\(String(cString: strerror(errno))); give an existing directory")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw IngestError.invalidSource(path: source, reason: "it is not a directory; give the directory that holds it")
        }
        return standardized
    }
}

/// Begins a pass: makes sure the target collection exists and lists the source root.
struct RestartHandler: TaskHandler {
    let catalog: any Catalog
    var kind: String { SyncTaskKind.restart }

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let spec = try PayloadCoding.decode(SyncSpec.self, from: task)
        var result = TaskResult()
        let outcome = try await catalog.ensureCollections([spec.target])
        result.add(1, to: Counter.entriesSeen)
        result.add(1, to: outcome.first == .created ? Counter.entriesCreated : Counter.entriesUnchanged)
        let payload = DirectoryTaskPayload(spec: spec, directory: spec.source, collection: spec.target, entries: nil)
        result.spawned.append(NewTask(
            job: task.job, queue: spec.queues.path, kind: SyncTaskKind.path, key: spec.source,
            payload: PayloadCoding.encode(payload), retry: spec.retry))
        return result
    }
}
