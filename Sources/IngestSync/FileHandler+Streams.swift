import Foundation
import IngestCore

extension FileHandler {
    /// Where a batch's bytes come from when they are streamed: a bucket, or the listed directory.
    enum StreamInput {
        case bucket(any Source)
        case directory(DirectoryReader)
    }

    /// A batch whose source is a bucket or whose copies go to an object store: each entry is read as a
    /// stream and written through `Storage` (a vault through `VaultStorage`, an s3 resource through
    /// the worker's client). An entry that fails is recorded alone, as in `syncFiles`.
    func syncStreams(
        _ entries: [FileEntry], payload: DirectoryTaskPayload, storage: StorageTarget, existing: [ExactName: ReplicaState],
        task: ClaimedTask, cancellation: TaskCancellation
    ) async throws -> BatchWork {
        let spec = payload.spec
        let input: StreamInput
        if let bucket = spec.bucketSource {
            guard let objectStores, let access = spec.s3 else {
                throw PermanentTaskError("this worker cannot read \(bucket): it was built without an S3 client")
            }
            input = .bucket(try await objectStores.source(bucket, access: access))
        } else {
            do {
                let reader = try await BlockingIO.run(cancellation: cancellation) {
                    try DirectoryReader(
                        bytes: payload.directoryBytes, displayPath: payload.directory, expected: payload.identity, followLinks: spec.followSymlinks)
                }
                input = .directory(reader)
            } catch let error as FileSystemError {
                throw PermanentTaskError(error.description)
            } catch let error as EntryReplaced {
                throw PermanentTaskError(error.description)
            }
        }
        var work = BatchWork()
        for (index, entry) in entries.enumerated() {
            try cancellation.check()
            do {
                let decision = payload.decisions.flatMap { index < $0.count ? $0[index] : nil }
                var known = existing.isEmpty ? nil : existing[ExactName(entry.name)]
                if let replica = known?.replica, !storage.holdsCopy(replica.physicalPath, source: spec.source) {
                    // Not a copy this job's storage holds (a registration in place, another job's): never
                    // compared with or replaced; this entry gets a copy of its own.
                    known?.replica = nil
                }
                let streamed = StreamedEntry(entry: entry, payload: payload, input: input, decision: decision, cancellation: cancellation)
                work.record(try await streamed.action(storage: storage, existing: known?.replica), for: entry)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let text = String(describing: error)
                work.firstError = work.firstError ?? text
                work.failedEntries.append(singleEntryTask(entry, payload: payload, task: task, error: text))
            }
        }
        return work
    }
}

/// One entry of a streamed batch and what a sync does with it.
struct StreamedEntry {
    let entry: FileEntry
    let payload: DirectoryTaskPayload
    let input: FileHandler.StreamInput
    let decision: EntryDecision?
    let cancellation: TaskCancellation

    var spec: SyncSpec { payload.spec }
    var sourcePath: String { payload.sourcePath(entry.sourceName) }

    var metadata: [MetadataTriple] {
        var metadata: [MetadataTriple] = []
        if let decision {
            metadata += decision.metadata
            if let owner = decision.owner { metadata.append(MetadataTriple(attribute: OddNames.ownerAttribute, value: owner)) }
        }
        return metadata
    }

    /// The entry's path relative to the bucket source's root.
    var relativePath: String {
        let directory = PathHandler.relativePath(of: payload.directory, root: spec.source)
        return directory.isEmpty ? entry.sourceName : directory + "/" + entry.sourceName
    }

    func action(storage: StorageTarget, existing replica: Replica?) async throws -> FileHandler.EntryAction {
        if let target = entry.linkTarget, case .directory(let reader) = input {
            // A link that is not followed is recorded where it is, as on the vault path: no bytes to copy.
            let file = FileHandler.ListedFile(entry: entry, payload: payload, reader: reader, cancellation: cancellation, decision: decision)
            return try await BlockingIO.run(cancellation: cancellation) { try file.registerLink(target: target) }
        }
        switch spec.operation {
        case .noOp:
            return .leave(counter: Counter.entriesSkipped)
        case .registerSync, .registerAsReplicaSync:
            return try await registerObject()
        case .put, .putSync, .putAppend:
            return try await copy(to: storage, existing: replica)
        }
    }

    /// An object of a bucket registered where it is, with what the listing saw: its size,
    /// LastModified and, as its checksum, its ETag where that is an MD5 (a single-part upload's);
    /// with `--checksum sha256`, the object is read and hashed.
    private func registerObject() async throws -> FileHandler.EntryAction {
        guard case .bucket(let source) = input else { throw PermanentTaskError("\(spec.operation.rawValue) of \(sourcePath): not a bucket entry") }
        var checksum = entry.etag.flatMap(Self.md5Checksum)
        if spec.checksum == .sha256 {
            checksum = try await Self.checksum(of: source.read(relativePath), algorithm: .sha256)
        } else if spec.checksum == .md5, checksum == nil {
            checksum = try await Self.checksum(of: source.read(relativePath), algorithm: .md5)
        }
        return .register(ObjectRegistration(
            collection: payload.collection, name: entry.name, size: entry.size, mtimeNanos: entry.mtimeNanos,
            resource: spec.replicaResource, physicalPath: decision?.physicalPath ?? sourcePath, checksum: checksum, metadata: metadata,
            alwaysUpdate: spec.ignoreCache), bytesCopied: 0)
    }

    /// PUT, PUT_SYNC and PUT_APPEND through `Storage`: the entry's bytes streamed into the job's
    /// resource under the collection's path. A changed entry is copied whole (an object store has no
    /// append; PUT_APPEND of a bucket entry copies it again too).
    private func copy(to storage: StorageTarget, existing replica: Replica?) async throws -> FileHandler.EntryAction {
        guard let (target, key) = storage.streamTarget(collection: payload.collection, name: entry.name) else {
            throw PermanentTaskError("\(spec.operation.rawValue) needs a vault or s3 resource")
        }
        let (body, size, mtime) = try await openInput()
        if let replica, try await isCurrent(replica, size: size, mtime: mtime) {
            return .leave(counter: Counter.entriesUnchanged)
        }
        let stored = try await target.put(key, body: body(), size: size, options: StorageWriteOptions(checksum: spec.checksum, mtimeNanos: mtime))
        let physicalPath = target.physicalPath(of: key)
        return .register(ObjectRegistration(
            collection: payload.collection, name: entry.name, size: size, mtimeNanos: mtime, resource: spec.replicaResource,
            physicalPath: physicalPath, checksum: stored.checksum, metadata: metadata, alwaysUpdate: true),
            bytesCopied: stored.size, replacedCopy: replica.map(\.physicalPath).flatMap { $0 == physicalPath ? nil : $0 })
    }

    /// The entry's bytes (opened when asked for, so a current copy costs no read), size and mtime.
    private func openInput() async throws -> (body: @Sendable () async throws -> ByteChunks, size: Int64, mtime: Int64) {
        switch input {
        case .bucket(let source):
            let path = relativePath
            return ({ try await source.read(path) }, entry.size, entry.mtimeNanos)
        case .directory(let reader):
            let nameBytes = entry.nameBytes
            let (file, info) = try await BlockingIO.run(cancellation: cancellation) { [entry, spec, sourcePath] in
                let (descriptor, info) = try reader.openRegularFile(
                    nameBytes, expected: entry.identity, followLinks: spec.followSymlinks, displayPath: sourcePath)
                return (ReadableFile(descriptor: descriptor, path: sourcePath), info)
            }
            return ({ file.chunks() }, Int64(info.st_size), info.mtimeNanos)
        }
    }

    /// PUT never copies an entry again; the others leave a copy that has the entry's size and mtime
    /// and, when checksums are asked for, its checksum (unless told to ignore the cache).
    private func isCurrent(_ replica: Replica, size: Int64, mtime: Int64) async throws -> Bool {
        if spec.operation == .put { return true }
        guard !spec.ignoreCache, replica.size == size, replica.mtimeNanos == mtime else { return false }
        guard let algorithm = spec.checksum else { return true }
        if algorithm == .md5, let etag = entry.etag.flatMap(Self.md5Checksum) { return replica.checksum == etag }
        let (body, _, _) = try await openInput()
        return try await replica.checksum == Self.checksum(of: body(), algorithm: algorithm)
    }

    /// An ETag that is the MD5 of the object (32 hex digits: a single-part upload's), as a checksum.
    static func md5Checksum(_ etag: String) -> String? {
        etag.count == 32 && etag.allSatisfy(\.isHexDigit) ? etag.lowercased() : nil
    }

    static func checksum(of body: ByteChunks, algorithm: ChecksumAlgorithm) async throws -> String {
        var hasher = StreamingChecksum(algorithm)
        for try await chunk in body { hasher.update(chunk) }
        return hasher.finalize()
    }
}
