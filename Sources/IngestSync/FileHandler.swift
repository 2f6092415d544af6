import Foundation
import IngestCore

/// Registers a batch of files from one directory in place (REGISTER_SYNC): one catalog
/// transaction for the batch. A file that cannot be read fails alone: it is recorded in the
/// failed registry as a task of its own, which `ingest requeue` can run again.
struct FileHandler: TaskHandler {
    let catalog: any Catalog
    var kind: String { SyncTaskKind.file }

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let payload = try PayloadCoding.decode(DirectoryTaskPayload.self, from: task)
        let spec = payload.spec
        let entries = payload.entries ?? []
        var result = TaskResult()
        let reader: DirectoryReader
        do {
            reader = try DirectoryReader(path: payload.directory)
        } catch let error as FileSystemError {
            throw PermanentTaskError(error.description)
        }

        var firstError: String?
        var registrations: [ObjectRegistration] = []
        registrations.reserveCapacity(entries.count)
        for entry in entries {
            try context.cancellation.check()
            let nameBytes = Array(entry.name.utf8)
            do {
                try reader.checkReadable(entry: nameBytes)
                // Take size and mtime as they are now: the file may have changed since it was listed.
                let info = try reader.stat(entry: nameBytes)
                registrations.append(ObjectRegistration(
                    collection: payload.collection, name: entry.name, size: Int64(info.st_size),
                    mtimeNanos: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                    resource: StorageResource.inPlace.name,
                    physicalPath: DirectoryReader.join(payload.directory, nameBytes),
                    alwaysUpdate: spec.ignoreCache))
            } catch let error as FileSystemError {
                firstError = firstError ?? error.description
                // With retries allowed the entry gets a task of its own that retries by the job's policy;
                // otherwise it goes straight to the failed registry.
                let single = DirectoryTaskPayload(spec: spec, directory: payload.directory, collection: payload.collection, entries: [entry])
                result.spawned.append(NewTask(
                    job: task.job, queue: task.queue, kind: SyncTaskKind.file, key: error.path,
                    payload: PayloadCoding.encode(single), retry: spec.retry, entryCount: 1,
                    failedWithError: spec.retry.maxRetries > 0 ? nil : error.description))
            }
        }
        if entries.count == 1, registrations.isEmpty, let failure = firstError {
            // A single-entry task (a requeued or retried failure) fails as itself rather than spawning a copy.
            throw SingleEntryFailure(description: failure)
        }

        let outcomes = try await catalog.register(registrations)
        for (registration, outcome) in zip(registrations, outcomes) {
            switch outcome {
            case .created: result.add(1, to: Counter.entriesCreated)
            case .updated: result.add(1, to: Counter.entriesUpdated)
            case .unchanged: result.add(1, to: Counter.entriesUnchanged)
            }
            result.add(registration.size, to: Counter.bytesDone)
        }
        return result
    }
}

/// The only entry of a task failed: the task itself fails with the entry's error.
struct SingleEntryFailure: Error, CustomStringConvertible {
    var description: String
}
