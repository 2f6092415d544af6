import Foundation
import IngestCore

/// Lists one directory: creates the collections of its subdirectories, queues a `path` task for
/// each, queues `file` tasks for the files that are new or changed, and (with a delete mode)
/// removes catalog entries whose source entry is gone.
///
/// Change detection compares each file's size and mtime with the catalog, looked up once per
/// slice of the listing; unchanged files are counted here and never reach a `file` task.
struct PathHandler: TaskHandler {
    let catalog: any Catalog
    var kind: String { SyncTaskKind.path }

    /// How many listed files are compared against the catalog in one query.
    static let lookupSliceSize = 1000

    /// A subdirectory to descend into.
    private struct Subdirectory {
        var name: String
        var rawName: [UInt8]?
        var nameBytes: [UInt8]
    }

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let payload = try PayloadCoding.decode(DirectoryTaskPayload.self, from: task)
        let spec = payload.spec
        let exclusions = try CompiledExclusions(spec.exclusions)
        let reader: DirectoryReader
        do {
            reader = try DirectoryReader(bytes: payload.directoryBytes, displayPath: payload.directory)
        } catch let error as FileSystemError where [ENOENT, EACCES, ENOTDIR, ELOOP].contains(error.code) {
            throw PermanentTaskError(error.description)
        }
        var ancestors = payload.ancestors ?? []
        if spec.followSymlinks {
            let identity = reader.identity
            ancestors.append(DirectoryIdentity(device: identity.device, inode: identity.inode))
        }
        let deleting = spec.deleteMode != .doNotDelete
        var listedNames = Set<String>()
        var result = TaskResult()
        var subdirectories: [Subdirectory] = []
        var pendingFiles: [FileEntry] = []
        // Counted in locals and added once: two dictionary updates per file were a visible share of a listing.
        var entriesSeen: Int64 = 0
        var bytesSeen: Int64 = 0

        while let listed = try reader.next() {
            try context.cancellation.check()
            entriesSeen += 1
            let (name, escaped) = NameEscaping.text(for: listed.nameBytes)
            if deleting { listedNames.insert(name) }
            // Built only when a pattern needs it: most syncs have none, and it is a string per entry.
            var fullPath: String { payload.sourcePath(name) }
            var entry = listed
            var linkTarget: String?
            if let error = listed.statError {
                result.spawned.append(failedEntry(FileEntry(name: name, size: 0, mtimeNanos: 0, rawName: escaped ? Data(listed.nameBytes) : nil),
                    error: error.description, task: task, payload: payload))
                continue
            }

            if exclusions.excludes(type: entry.type) {
                skip(&result, reason: "excluded")
                continue
            }
            if entry.type == .link {
                if spec.followSymlinks {
                    guard let target = try? reader.stat(entry: entry.nameBytes, followLinks: true) else {
                        skip(&result, reason: "dangling_link")
                        continue
                    }
                    entry.type = DirectoryReader.fileType(mode: target.st_mode)
                    entry.size = Int64(target.st_size)
                    entry.mtimeNanos = target.mtimeNanos
                    if entry.type == .directory,
                        ancestors.contains(DirectoryIdentity(device: UInt64(target.st_dev), inode: UInt64(target.st_ino)))
                    {
                        skip(&result, reason: "link_cycle")
                        continue
                    }
                    if exclusions.excludes(type: entry.type) {
                        skip(&result, reason: "excluded")
                        continue
                    }
                } else {
                    // Recorded, not followed: the object stands for the link itself.
                    let info = try reader.stat(entry: entry.nameBytes)
                    entry.size = Int64(info.st_size)
                    entry.mtimeNanos = info.mtimeNanos
                    linkTarget = NameEscaping.text(for: try reader.linkTarget(entry: entry.nameBytes)).text
                }
            }

            switch entry.type {
            case .directory:
                if exclusions.excludesDirectory(fullPath) {
                    skip(&result, reason: "excluded")
                    continue
                }
                subdirectories.append(Subdirectory(name: name, rawName: escaped ? entry.nameBytes : nil, nameBytes: entry.nameBytes))
            case .regular, .link:
                if exclusions.excludesFile(fullPath) {
                    skip(&result, reason: "excluded")
                    continue
                }
                bytesSeen += entry.size
                pendingFiles.append(FileEntry(
                    name: name, size: entry.size, mtimeNanos: entry.mtimeNanos,
                    rawName: escaped ? Data(entry.nameBytes) : nil, linkTarget: linkTarget))
                if pendingFiles.count >= Self.lookupSliceSize {
                    try await queueChangedFiles(pendingFiles, task: task, payload: payload, result: &result)
                    pendingFiles.removeAll(keepingCapacity: true)
                }
            case .character, .block, .socket, .pipe, .unknown:
                if exclusions.excludesFile(fullPath) {
                    skip(&result, reason: "excluded")
                } else {
                    skip(&result, reason: entry.type.rawValue)
                }
            }
        }
        result.add(entriesSeen, to: Counter.entriesSeen)
        result.add(bytesSeen, to: Counter.bytesSeen)
        try await queueChangedFiles(pendingFiles, task: task, payload: payload, result: &result)
        try await createCollections(for: subdirectories, payload: payload, ancestors: ancestors, task: task, result: &result)
        if deleting && payload.collectionIsNew != true {
            try await deleteVanished(listedNames: listedNames, payload: payload, result: &result)
        }
        return result
    }

    /// An entry that failed while listing: recorded in the failed registry as a `file` task of its own.
    private func failedEntry(_ entry: FileEntry, error: String, task: ClaimedTask, payload: DirectoryTaskPayload) -> NewTask {
        var single = payload
        single.entries = [entry]
        single.ancestors = nil
        return NewTask(
            job: task.job, queue: payload.spec.queues.file, kind: SyncTaskKind.file, key: payload.sourcePath(entry.name),
            payload: PayloadCoding.encode(single), retry: payload.spec.retry, entryCount: 1, failedWithError: error)
    }

    private func skip(_ result: inout TaskResult, reason: String) {
        result.add(1, to: Counter.entriesSkipped)
        result.add(1, to: Counter.skippedPrefix + reason)
    }

    /// Counts unchanged files and queues the rest in `file` tasks of `files_per_task` entries; files
    /// the catalog does not have at all go in tasks of their own, marked so that they skip the look-up.
    private func queueChangedFiles(_ files: [FileEntry], task: ClaimedTask, payload: DirectoryTaskPayload, result: inout TaskResult) async throws {
        guard !files.isEmpty else { return }
        let spec = payload.spec
        var changed = files
        var new: [FileEntry] = []
        if payload.collectionIsNew == true {
            // The parent's task created the collection just now: every file is new to it.
            new = files
            changed = []
        } else if !spec.initialIngest && !spec.ignoreCache && spec.checksum == nil {
            // Unchanged means: this job's replica (on its resource) has the file's size and mtime and,
            // for files registered in place, points at this very file.
            let known = try await catalog.replicaFingerprints(
                in: payload.collection, names: files.map(\.name), resource: spec.replicaResource, directory: payload.directory)
            changed = []
            var unchanged: Int64 = 0
            var unchangedBytes: Int64 = 0
            for file in files {
                guard let replica = known[file.name] else {
                    new.append(file)
                    continue
                }
                if replica.size == file.size, replica.mtimeNanos == file.mtimeNanos, replica.isInDirectory || spec.operation.copiesData {
                    unchanged += 1
                    unchangedBytes += file.size
                } else {
                    changed.append(file)
                }
            }
            result.add(unchanged, to: Counter.entriesUnchanged)
            result.add(unchangedBytes, to: Counter.bytesDone)
        }
        for (entries, areNew) in [(new, true), (changed, false)] {
            for batch in entries.chunked(into: spec.filesPerTask) {
                var filePayload = payload
                filePayload.entries = Array(batch)
                filePayload.ancestors = nil
                filePayload.collectionIsNew = nil
                filePayload.entriesAreNew = areNew ? true : nil
                result.spawned.append(NewTask(
                    job: task.job, queue: spec.queues.file, kind: SyncTaskKind.file,
                    key: payload.sourcePath(batch[batch.startIndex].name),
                    payload: PayloadCoding.encode(filePayload), retry: spec.retry, entryCount: batch.count))
            }
        }
    }

    private func createCollections(
        for subdirectories: [Subdirectory], payload: DirectoryTaskPayload, ancestors: [DirectoryIdentity],
        task: ClaimedTask, result: inout TaskResult
    ) async throws {
        let spec = payload.spec
        let sorted = subdirectories.sorted { $0.name < $1.name }
        let collections = sorted.map { LogicalPath.join(payload.collection, $0.name) }
        var created: [Bool] = []
        created.reserveCapacity(collections.count)
        for slice in collections.chunked(into: 1000) {
            let outcomes = try await catalog.ensureCollections(Array(slice))
            for outcome in outcomes {
                result.add(1, to: outcome == .created ? Counter.entriesCreated : Counter.entriesUnchanged)
                created.append(outcome == .created)
            }
        }
        for ((subdirectory, collection), isNew) in zip(zip(sorted, collections), created) {
            let directory = payload.sourcePath(subdirectory.name)
            let directoryBytes = DirectoryReader.joinBytes(payload.directoryBytes, subdirectory.nameBytes)
            let needsRawPath = payload.rawDirectory != nil || subdirectory.rawName != nil
            if let rawName = subdirectory.rawName {
                try await catalog.addMetadata([OddNames.originalName(rawName)], to: collection)
            }
            var child = DirectoryTaskPayload(
                spec: spec, directory: directory, rawDirectory: needsRawPath ? Data(directoryBytes) : nil,
                collection: collection, entries: nil, ancestors: spec.followSymlinks ? ancestors : nil)
            child.collectionIsNew = isNew ? true : nil
            result.spawned.append(NewTask(
                job: task.job, queue: spec.queues.path, kind: SyncTaskKind.path, key: directory,
                payload: PayloadCoding.encode(child), retry: spec.retry))
        }
    }

    /// Applies the delete mode to catalog entries of this collection that the listing no longer has.
    /// Excluded, skipped and unreadable entries were listed, so they are never deleted.
    private func deleteVanished(listedNames: Set<String>, payload: DirectoryTaskPayload, result: inout TaskResult) async throws {
        let children = try await catalog.children(of: payload.collection)
        let objects = children.objects.filter { !listedNames.contains($0) }
        let collections = children.collections.filter { !listedNames.contains($0) }
        guard !objects.isEmpty || !collections.isEmpty else { return }
        switch payload.spec.deleteMode {
        case .doNotDelete:
            return
        case .unregister:
            _ = try await catalog.unregister(in: payload.collection, objects: objects, collections: collections)
        case .noTrash:
            let removed = try await catalog.unregister(in: payload.collection, objects: objects, collections: collections)
            try await StoredCopies.remove(removed, catalog: catalog)
        case .trash:
            let zone = LogicalPath.lineage(of: payload.collection).first ?? payload.collection
            let vaults = try await StoredCopies.vaultPaths(catalog: catalog)
            let copies = try await catalog.moveToTrash(
                in: payload.collection, objects: objects, collections: collections, trashRoot: zone + "/trash",
                relocate: { resource, path in StoredCopies.trashPath(of: path, vault: vaults[resource]) })
            try StoredCopies.apply(copies)
        }
        result.add(Int64(objects.count + collections.count), to: Counter.entriesDeleted)
    }
}

/// Metadata that keeps what escaping and link registration would otherwise lose.
enum OddNames {
    static func originalName(_ bytes: [UInt8]) -> MetadataTriple {
        MetadataTriple(attribute: "ingest::original_name", value: Data(bytes).base64EncodedString(), units: "base64")
    }

    static func originalPath(_ bytes: [UInt8]) -> MetadataTriple {
        MetadataTriple(attribute: "ingest::original_path", value: Data(bytes).base64EncodedString(), units: "base64")
    }

    static func linkTarget(_ target: String) -> MetadataTriple {
        MetadataTriple(attribute: "link_target", value: target)
    }

    /// The real bytes of a replica's physical path: from metadata when the stored path is the escaped
    /// form of a source path that is not valid UTF-8 (copies in vaults carry their escaped names for real).
    static func physicalPathBytes(of replica: Replica, metadata: [MetadataTriple]) -> [UInt8] {
        if let original = metadata.first(where: { $0.attribute == "ingest::original_path" }),
            let bytes = Data(base64Encoded: original.value),
            NameEscaping.text(for: Array(bytes)).text == replica.physicalPath
        {
            return Array(bytes)
        }
        return Array(replica.physicalPath.utf8)
    }
}
