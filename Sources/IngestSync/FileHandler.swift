import Foundation
import IngestCore
import Synchronization

/// Syncs a batch of files from one directory by the job's operation, with one catalog look-up
/// and one catalog transaction for the batch. A file that cannot be read or copied fails alone:
/// it is recorded in the failed registry as a task of its own, which `ingest requeue` can run again.
struct FileHandler: TaskHandler {
    let catalog: any Catalog
    /// Resources never change once recorded (the catalog refuses a conflicting definition), so a
    /// worker looks each one up once, not once per task.
    let resources = ResourceCache()
    var kind: String { SyncTaskKind.file }

    /// What one entry came to.
    private enum EntryAction {
        case register(ObjectRegistration, bytesCopied: Int64)
        case leave(counter: String)
    }

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let payload = try PayloadCoding.decode(DirectoryTaskPayload.self, from: task)
        let spec = payload.spec
        let entries = payload.entries ?? []
        var result = TaskResult()
        let reader: DirectoryReader
        do {
            reader = try DirectoryReader(bytes: payload.directoryBytes, displayPath: payload.directory)
        } catch let error as FileSystemError {
            throw PermanentTaskError(error.description)
        }
        let storage = try await StorageTarget.resolve(spec, resources: resources, catalog: catalog)
        // Every entry of a batch comes from one directory, so their copies share one directory,
        // made and opened once for the batch.
        var copyDirectory: FileCopier.Destination?
        if case .vault(let vault) = storage, !entries.isEmpty {
            copyDirectory = try FileCopier.Destination(path: StoredCopies.vaultDirectory(vault: vault, collection: payload.collection))
        }
        let existing: [String: ReplicaState] =
            spec.operation.copiesData && payload.entriesAreNew != true
            ? try await catalog.replicaStates(in: payload.collection, names: entries.map(\.name), resource: spec.replicaResource)
            : [:]

        var firstError: String?
        var registrations: [ObjectRegistration] = []
        var bytesCopied: Int64 = 0
        for entry in entries {
            try context.cancellation.check()
            do {
                switch try action(for: entry, payload: payload, reader: reader, copyDirectory: copyDirectory, existing: existing.isEmpty ? nil : existing[entry.name]) {
                case .register(let registration, let copied):
                    registrations.append(registration)
                    bytesCopied += copied
                case .leave(let counter):
                    result.add(1, to: counter)
                    if counter == Counter.entriesSkipped { result.add(1, to: Counter.skippedPrefix + "no_op") }
                }
            } catch let error as FileSystemError {
                firstError = firstError ?? error.description
                result.spawned.append(singleEntryTask(entry, payload: payload, task: task, error: error.description))
            } catch let error as FileCopier.VerificationFailed {
                firstError = firstError ?? error.description
                result.spawned.append(singleEntryTask(entry, payload: payload, task: task, error: error.description))
            }
        }
        if entries.count == 1, registrations.isEmpty, let failure = firstError {
            // A single-entry task (a requeued or retried failure) fails as itself rather than spawning a copy.
            throw SingleEntryFailure(description: failure)
        }

        let outcomes = try await catalog.register(registrations)
        // Counted in locals and added once: a dictionary update per file shows in a bulk copy's profile.
        var created: Int64 = 0, updated: Int64 = 0, unchanged: Int64 = 0, bytesDone: Int64 = 0
        for (registration, outcome) in zip(registrations, outcomes) {
            switch outcome {
            case .created: created += 1
            case .updated: updated += 1
            case .unchanged: unchanged += 1
            }
            bytesDone += registration.size
        }
        result.add(created, to: Counter.entriesCreated)
        result.add(updated, to: Counter.entriesUpdated)
        result.add(unchanged, to: Counter.entriesUnchanged)
        result.add(bytesDone, to: Counter.bytesDone)
        result.add(bytesCopied, to: Counter.bytesCopied)
        return result
    }

    /// Decides and performs what the operation does with one file.
    /// - Parameter copyDirectory: where copy operations write this batch's copies.
    private func action(
        for entry: FileEntry, payload: DirectoryTaskPayload, reader: DirectoryReader, copyDirectory: FileCopier.Destination?,
        existing: ReplicaState?
    ) throws -> EntryAction {
        let spec = payload.spec
        let nameBytes = entry.nameBytes
        // Only odd names and checksums of files registered in place need the full path's bytes.
        var sourceBytes: [UInt8] { DirectoryReader.joinBytes(payload.directoryBytes, nameBytes) }
        // Built when used: a copy needs it only in an error message.
        var sourcePath: String { payload.sourcePath(entry.name) }
        var metadata: [MetadataTriple] = []
        if let rawName = entry.rawName { metadata.append(OddNames.originalName(Array(rawName))) }
        if payload.rawDirectory != nil || entry.rawName != nil { metadata.append(OddNames.originalPath(sourceBytes)) }

        if let linkTarget = entry.linkTarget {
            // A link that is not followed is recorded where it is, whatever the operation: there are no
            // bytes to copy. It goes on the job's resource, so that the next pass finds it unchanged.
            let info = try reader.stat(entry: nameBytes)
            return .register(ObjectRegistration(
                collection: payload.collection, name: entry.name, size: Int64(info.st_size), mtimeNanos: info.mtimeNanos,
                resource: spec.replicaResource, physicalPath: sourcePath,
                metadata: metadata + [OddNames.linkTarget(linkTarget)], alwaysUpdate: spec.ignoreCache), bytesCopied: 0)
        }
        switch spec.operation {
        case .noOp:
            return .leave(counter: Counter.entriesSkipped)
        case .registerSync, .registerAsReplicaSync:
            try reader.checkReadable(entry: nameBytes)
            // Take size and mtime as they are now: the file may have changed since it was listed.
            let info = try reader.stat(entry: nameBytes, followLinks: spec.followSymlinks)
            let checksum = try spec.checksum.map { try FileCopier.checksum(of: sourceBytes, algorithm: $0) }
            return .register(ObjectRegistration(
                collection: payload.collection, name: entry.name, size: Int64(info.st_size), mtimeNanos: info.mtimeNanos,
                resource: spec.replicaResource, physicalPath: sourcePath, checksum: checksum, metadata: metadata,
                alwaysUpdate: spec.ignoreCache), bytesCopied: 0)
        case .put, .putSync, .putAppend:
            guard let copyDirectory else {
                throw PermanentTaskError("\(spec.operation.rawValue) needs a vault resource")
            }
            let input = try FileCopier.openForReading(nameBytes, in: reader.descriptor, displayPath: sourcePath)
            defer { close(input) }
            var info = stat()
            guard fstat(input, &info) == 0 else {
                let code = errno  // read before the path is built
                throw FileSystemError(operation: "stat", path: sourcePath, code: code)
            }
            let size = Int64(info.st_size)
            let mtime = info.mtimeNanos
            let copy: FileCopier.Outcome
            var physicalPath = copyDirectory.path(of: entry.name)
            if let replica = existing?.replica {
                // The stored copy is current when it has the file's size and mtime, and, when checksums
                // are asked for, the file's checksum.
                var unchanged = replica.size == size && replica.mtimeNanos == mtime
                if unchanged, let algorithm = spec.checksum, spec.operation != .put {
                    unchanged = try replica.checksum == FileCopier.checksum(ofDescriptor: input, algorithm: algorithm, path: sourcePath)
                }
                if spec.operation == .put || (unchanged && !spec.ignoreCache) {
                    return .leave(counter: Counter.entriesUnchanged)
                }
                if spec.operation == .putAppend,
                    let appended = try FileCopier.appendTail(
                        from: input, to: replica.physicalPath, copiedSize: replica.size, mtimeNanos: mtime, checksum: spec.checksum)
                {
                    copy = appended
                    physicalPath = replica.physicalPath
                } else {
                    copy = try FileCopier.copyWhole(
                        from: input, size: size, to: copyDirectory, name: entry.name, mtimeNanos: mtime, checksum: spec.checksum)
                }
            } else {
                copy = try FileCopier.copyWhole(
                    from: input, size: size, to: copyDirectory, name: entry.name, mtimeNanos: mtime, checksum: spec.checksum)
            }
            return .register(ObjectRegistration(
                collection: payload.collection, name: entry.name, size: size, mtimeNanos: mtime,
                resource: spec.replicaResource, physicalPath: physicalPath, checksum: copy.checksum, metadata: metadata,
                alwaysUpdate: true), bytesCopied: copy.bytesWritten)
        }
    }

    /// With retries allowed the entry gets a task of its own that retries by the job's policy;
    /// otherwise it goes straight to the failed registry.
    private func singleEntryTask(_ entry: FileEntry, payload: DirectoryTaskPayload, task: ClaimedTask, error: String) -> NewTask {
        var single = payload
        single.entries = [entry]
        let spec = payload.spec
        return NewTask(
            job: task.job, queue: task.queue, kind: SyncTaskKind.file,
            key: payload.sourcePath(entry.name),
            payload: PayloadCoding.encode(single), retry: spec.retry, entryCount: 1,
            failedWithError: spec.retry.maxRetries > 0 ? nil : error)
    }
}

/// The only entry of a task failed: the task itself fails with the entry's error.
struct SingleEntryFailure: Error, CustomStringConvertible {
    var description: String
}

/// Where a job's copies go, resolved once per task from the catalog's resource table (workers
/// need no configuration of their own for vaults).
enum StorageTarget {
    case none
    case vault(String)

    static func resolve(_ spec: SyncSpec, resources: ResourceCache, catalog: any Catalog) async throws -> StorageTarget {
        guard spec.operation.copiesData else { return .none }
        guard let name = spec.resource, let resource = try await resources.resource(named: name, catalog: catalog) else {
            throw PermanentTaskError("resource '\(spec.resource ?? "(none)")' is not in the catalog; start the job again with --to_resource")
        }
        guard resource.type == "vault", let path = resource.path else {
            throw PermanentTaskError("resource '\(name)' is of type \(resource.type); \(spec.operation.rawValue) copies into vault resources only")
        }
        return .vault(path)
    }
}

/// Storage resources as the catalog recorded them, kept for the life of the worker.
final class ResourceCache: Sendable {
    private let known = Mutex<[String: StorageResource]>([:])

    func resource(named name: String, catalog: any Catalog) async throws -> StorageResource? {
        if let cached = known.withLock({ $0[name] }) { return cached }
        guard let resource = try await catalog.resource(named: name) else { return nil }
        known.withLock { $0[name] = resource }
        return resource
    }
}

extension stat {
    /// Modification time in nanoseconds since the epoch.
    var mtimeNanos: Int64 { Int64(st_mtim.tv_sec) * 1_000_000_000 + Int64(st_mtim.tv_nsec) }
}
