import Foundation
import IngestCore
import Synchronization

/// Syncs a batch of files from one directory by the job's operation, with one catalog look-up
/// and one catalog transaction for the batch. A file that cannot be read or copied fails alone:
/// it is recorded in the failed registry as a task of its own, which `ingest requeue` can run again.
struct FileHandler: TaskHandler {
    let catalog: any Catalog
    var policies = PolicyProvider(factory: PolicyFactory())
    /// Opens bucket sources and s3 resources; nil in a process that has no object-store client.
    var objectStores: (any ObjectStores)?
    /// Resources never change once recorded (the catalog refuses a conflicting definition), so a
    /// worker looks each one up once, not once per task.
    let resources = ResourceCache()
    var kind: String { SyncTaskKind.file }

    /// What one entry came to.
    enum EntryAction {
        /// `replacedCopy`: an older copy of the same object at another path (the layout before zones
        /// were part of vault paths), removed once the new one is registered.
        case register(ObjectRegistration, bytesCopied: Int64, replacedCopy: String? = nil)
        case leave(counter: String)
    }

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        var payload = try PayloadCoding.decode(DirectoryTaskPayload.self, from: task)
        let spec = payload.spec
        let isSingleEntry = payload.entries?.count == 1
        let storage = try await StorageTarget.resolve(spec, resources: resources, catalog: catalog, objectStores: objectStores)
        let existing: [ExactName: ReplicaState] =
            spec.operation.copiesData && payload.entriesAreNew != true
            ? try await catalog.replicaStates(in: payload.collection, names: (payload.entries ?? []).map(\.name), resource: spec.replicaResource)
            : [:]
        var hooks: ObjectHooks?
        var hookFailures: [NewTask] = []
        if spec.policy != nil {
            let policy = try await policies.policy(
                for: spec, job: task.job, services: PolicyServices(catalog: catalog, broker: context.broker, logger: context.logger))
            hooks = try await ObjectHooks.make(
                policy: policy, job: PolicyJob(name: task.job, spec: spec), payload: payload,
                existing: spec.operation.copiesData && payload.entriesAreNew != true ? existing : nil, catalog: catalog)
            if let failures = try await hooks?.runPre(payload.entries ?? []), !failures.isEmpty {
                if isSingleEntry, let failure = failures.values.first { throw SingleEntryFailure(description: failure) }
                hookFailures = dropFailed(failures, from: &payload, task: task)
            }
        }
        let entries = payload.entries ?? []
        // Reading the user's files happens on a blocking-I/O thread: a file on a hung mount must not
        // hold a cooperative thread.
        let cancellation = context.cancellation
        let workPayload = payload
        let batch: BatchWork
        if spec.bucketSource != nil || storage.isObjectStore {
            batch = try await syncStreams(entries, payload: workPayload, storage: storage, existing: existing, task: task, cancellation: cancellation)
        } else {
            batch = try await BlockingIO.run(cancellation: cancellation) {
                try self.syncFiles(entries, payload: workPayload, storage: storage, existing: existing, task: task, cancellation: cancellation)
            }
        }
        var result = TaskResult(spawned: batch.failedEntries + hookFailures, counters: batch.counters)
        let registrations = batch.registrations
        let bytesCopied = batch.bytesCopied
        let replacedCopies = batch.replacedCopies
        let firstError = batch.firstError
        if isSingleEntry, registrations.isEmpty, let failure = firstError {
            // A single-entry task (a requeued or retried failure) fails as itself rather than spawning a copy.
            throw SingleEntryFailure(description: failure)
        }

        let outcomes = try await catalog.register(registrations)
        if var objectHooks = hooks {
            // Post hooks for what changed (and for NO_OP entries, where nothing does), and for an entry
            // whose earlier post hook failed after its registration.
            var changed = Set(batch.leftAlone)
            for (registration, outcome) in zip(registrations, outcomes) where outcome != .unchanged || payload.rerunsHooks == true {
                changed.insert(ExactName(registration.name))
            }
            let failures = try await objectHooks.runPost(entries.filter { changed.contains(ExactName($0.name)) })
            if isSingleEntry, payload.rerunsHooks == true, let failure = failures.values.first {
                throw SingleEntryFailure(description: failure)
            }
            result.spawned += dropFailed(failures, from: &payload, task: task)
        }
        switch storage {
        case .vault(let vault):
            let vault = StoredCopies.normalizedVault(vault)
            for path in replacedCopies where StoredCopies.isRemovable(path, vault: vault, source: spec.source) { unlink(path) }
        case .objectStore(let target):
            for path in replacedCopies where storage.holdsCopy(path, source: spec.source) {
                try await target.remove(String(path.dropFirst(target.location.count + 1)))
            }
        case .none:
            break
        }
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

    /// What the file-system part of a batch came to.
    struct BatchWork: Sendable {
        var registrations: [ObjectRegistration] = []
        var bytesCopied: Int64 = 0
        var replacedCopies: [String] = []
        var counters: [String: Int64] = [:]
        var failedEntries: [NewTask] = []
        var firstError: String?
        /// Entries the operation left as they are (NO_OP): their hooks still fire.
        var leftAlone: [ExactName] = []

        /// Adds what one entry came to, whichever path (file system or streamed) it took.
        mutating func record(_ action: EntryAction, for entry: FileEntry) {
            switch action {
            case .register(let registration, let copied, let replaced):
                registrations.append(registration)
                bytesCopied += copied
                if let replaced { replacedCopies.append(replaced) }
            case .leave(let counter):
                counters[counter, default: 0] += 1
                if counter == Counter.entriesSkipped {
                    counters[Counter.skippedPrefix + "no_op", default: 0] += 1
                    leftAlone.append(ExactName(entry.name))
                }
            }
        }
    }

    /// Opens the batch's directory and vault directory and performs the operation on every entry;
    /// an entry that fails is recorded alone.
    private func syncFiles(
        _ entries: [FileEntry], payload: DirectoryTaskPayload, storage: StorageTarget, existing: [ExactName: ReplicaState],
        task: ClaimedTask, cancellation: TaskCancellation
    ) throws -> BatchWork {
        let reader: DirectoryReader
        do {
            reader = try DirectoryReader(
                bytes: payload.directoryBytes, displayPath: payload.directory, expected: payload.identity,
                followLinks: payload.spec.followSymlinks)
        } catch let error as FileSystemError {
            throw PermanentTaskError(error.description)
        } catch let error as EntryReplaced {
            throw PermanentTaskError(error.description)
        }
        // Every entry of a batch comes from one directory, so their copies share one directory,
        // made and opened once for the batch.
        var copyDirectory: FileCopier.Destination?
        if case .vault(let vault) = storage, !entries.isEmpty {
            copyDirectory = try FileCopier.Destination(path: StoredCopies.vaultDirectory(vault: vault, collection: payload.collection))
        }
        var work = BatchWork()
        for (index, entry) in entries.enumerated() {
            try cancellation.check()
            do {
                var known = existing.isEmpty ? nil : existing[ExactName(entry.name)]
                if case .vault(let vault) = storage, let replica = known?.replica,
                    !StoredCopies.isRemovable(replica.physicalPath, vault: StoredCopies.normalizedVault(vault), source: payload.spec.source)
                {
                    // The replica on the resource is not a copy in its vault (a link registered in place,
                    // another job's registration): it is never compared with, appended to or replaced;
                    // this file gets a copy of its own.
                    known?.replica = nil
                }
                let decision = payload.decisions.flatMap { index < $0.count ? $0[index] : nil }
                work.record(
                    try action(
                        for: entry, decision: decision, payload: payload, reader: reader, copyDirectory: copyDirectory, existing: known,
                        cancellation: cancellation),
                    for: entry)
            } catch let error as FileSystemError {
                work.firstError = work.firstError ?? error.description
                work.failedEntries.append(singleEntryTask(entry, payload: payload, task: task, error: error.description))
            } catch let error as FileCopier.VerificationFailed {
                work.firstError = work.firstError ?? error.description
                work.failedEntries.append(singleEntryTask(entry, payload: payload, task: task, error: error.description))
            } catch let error as EntryReplaced {
                work.firstError = work.firstError ?? error.description
                work.failedEntries.append(singleEntryTask(entry, payload: payload, task: task, error: error.description))
            }
        }
        return work
    }

    /// Decides and performs what the operation does with one file.
    /// - Parameter copyDirectory: where copy operations write this batch's copies.
    private func action(
        for entry: FileEntry, decision: EntryDecision?, payload: DirectoryTaskPayload, reader: DirectoryReader,
        copyDirectory: FileCopier.Destination?, existing: ReplicaState?, cancellation: TaskCancellation
    ) throws -> EntryAction {
        let file = ListedFile(entry: entry, payload: payload, reader: reader, cancellation: cancellation, decision: decision)
        if let linkTarget = entry.linkTarget { return try file.registerLink(target: linkTarget) }
        switch payload.spec.operation {
        case .noOp:
            return .leave(counter: Counter.entriesSkipped)
        case .registerSync, .registerAsReplicaSync:
            return try file.registerInPlace()
        case .put, .putSync, .putAppend:
            guard let copyDirectory else {
                throw PermanentTaskError("\(payload.spec.operation.rawValue) needs a vault resource")
            }
            return try file.copy(into: copyDirectory, existing: existing?.replica)
        }
    }

    /// With retries allowed the entry gets a task of its own that retries by the job's policy;
    /// otherwise it goes straight to the failed registry.
    func singleEntryTask(
        _ entry: FileEntry, payload: DirectoryTaskPayload, task: ClaimedTask, error: String, rerunsHooks: Bool = false
    ) -> NewTask {
        var single = payload
        if let entries = payload.entries, let decisions = payload.decisions, let index = entries.firstIndex(of: entry), index < decisions.count {
            single.decisions = [decisions[index]]
        }
        single.entries = [entry]
        if rerunsHooks { single.rerunsHooks = true }
        let spec = payload.spec
        return NewTask(
            job: task.job, queue: task.queue, kind: SyncTaskKind.file,
            key: payload.sourcePath(entry.sourceName),
            payload: PayloadCoding.encode(single), retry: spec.retry, entryCount: 1,
            failedWithError: spec.retry.maxRetries > 0 ? nil : error)
    }
}

extension FileHandler {
    /// Takes the entries whose hook failed out of the batch, each into a task of its own (retried by
    /// the job's policy, or recorded as failed with the hook's traceback).
    fileprivate func dropFailed(_ failures: [ExactName: String], from payload: inout DirectoryTaskPayload, task: ClaimedTask) -> [NewTask] {
        guard !failures.isEmpty, let entries = payload.entries else { return [] }
        var spawned: [NewTask] = []
        var keptEntries: [FileEntry] = []
        var keptDecisions: [EntryDecision] = []
        for (index, entry) in entries.enumerated() {
            if let error = failures[ExactName(entry.name)] {
                spawned.append(singleEntryTask(entry, payload: payload, task: task, error: error, rerunsHooks: true))
            } else {
                keptEntries.append(entry)
                if let decisions = payload.decisions, index < decisions.count { keptDecisions.append(decisions[index]) }
            }
        }
        payload.entries = keptEntries
        if payload.decisions != nil { payload.decisions = keptDecisions }
        return spawned
    }
}

/// The only entry of a task failed: the task itself fails with the entry's error.
struct SingleEntryFailure: Error, CustomStringConvertible {
    var description: String
}

/// Where a job's copies go, resolved once per task from the catalog's resource table (workers
/// need no configuration of their own for vaults; an s3 resource's endpoint and keys come from the
/// worker's configuration).
enum StorageTarget {
    case none
    case vault(String)
    case objectStore(any Storage)

    static func resolve(
        _ spec: SyncSpec, resources: ResourceCache, catalog: any Catalog, objectStores: (any ObjectStores)? = nil
    ) async throws -> StorageTarget {
        guard spec.operation.copiesData else { return .none }
        guard let name = spec.resource, let resource = try await resources.resource(named: name, catalog: catalog) else {
            throw PermanentTaskError(
                "resource '\(spec.resource ?? "(none)")' is not in the catalog; define it in the configuration file and start the job again "
                    + "(with --to_resource, or from a policy that names it)")
        }
        if resource.type == ResourceType.s3.rawValue {
            guard let objectStores else { throw PermanentTaskError("resource '\(name)' is an s3 resource, and this worker has no S3 client") }
            return .objectStore(try await objectStores.storage(resource: name))
        }
        guard resource.type == "vault", let path = resource.path else {
            throw PermanentTaskError("resource '\(name)' is of type \(resource.type); \(spec.operation.rawValue) copies into vault and s3 resources only")
        }
        return .vault(path)
    }

    var isObjectStore: Bool {
        if case .objectStore = self { true } else { false }
    }

    /// Whether `physicalPath` is a copy this storage holds (which a sync may compare with and replace).
    func holdsCopy(_ physicalPath: String, source: String) -> Bool {
        switch self {
        case .none: false
        case .vault(let vault): StoredCopies.isRemovable(physicalPath, vault: StoredCopies.normalizedVault(vault), source: source)
        case .objectStore(let storage): physicalPath.hasPrefix(storage.location + "/")
        }
    }

    /// The storage a streamed copy of `name` in `collection` goes to, and its key there: the vault's
    /// directory layout (`StoredCopies.vaultDirectory`), or the logical path under a bucket's prefix.
    func streamTarget(collection: String, name: String) -> (storage: any Storage, key: String)? {
        switch self {
        case .none:
            return nil
        case .vault(let vault):
            let root = StoredCopies.normalizedVault(vault)
            let directory = StoredCopies.vaultDirectory(vault: vault, collection: collection).dropFirst(root.count).drop { $0 == "/" }
            return (VaultStorage(root: root), directory + "/" + StoredCopies.fileName(for: name))
        case .objectStore(let storage):
            return (storage, String(collection.drop { $0 == "/" }) + "/" + name)
        }
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
