import Foundation
import IngestCore

extension FileHandler {
    /// One listed file of a `sync.file` batch and the three things a sync does with it: record a
    /// link, register the file in place, or copy it into a vault. Each re-checks the entry, since
    /// the file may have changed since it was listed.
    struct ListedFile {
        let entry: FileEntry
        let payload: DirectoryTaskPayload
        let reader: DirectoryReader
        let cancellation: TaskCancellation
        /// What the job's policy decided for it beyond the operation and resource (the spec has those).
        var decision: EntryDecision?

        var spec: SyncSpec { payload.spec }
        var nameBytes: [UInt8] { entry.nameBytes }
        /// Built when used: a copy needs it only in an error message.
        var sourcePath: String { payload.sourcePath(entry.sourceName) }

        /// The original name and path of an entry whose name is not UTF-8 (only such names and
        /// checksums of files registered in place need the full path's bytes).
        var metadata: [MetadataTriple] {
            var metadata: [MetadataTriple] = []
            if let rawName = entry.rawName { metadata.append(OddNames.originalName(Array(rawName))) }
            if payload.rawDirectory != nil || entry.rawName != nil {
                metadata.append(OddNames.originalPath(DirectoryReader.joinBytes(payload.directoryBytes, nameBytes)))
            }
            if let decision {
                metadata += decision.metadata
                if let owner = decision.owner { metadata.append(MetadataTriple(attribute: OddNames.ownerAttribute, value: owner)) }
            }
            return metadata
        }

        /// A link that is not followed is recorded where it is, whatever the operation: there are
        /// no bytes to copy. It goes on the job's resource, so that the next pass finds it
        /// unchanged. It must still be a link: a file put back since the listing would otherwise be
        /// recorded as a link and never copied.
        func registerLink(target: String) throws -> EntryAction {
            let info = try reader.stat(entry: nameBytes)
            guard info.st_mode & S_IFMT == S_IFLNK else {
                throw EntryReplaced(path: sourcePath, kind: "symbolic link", now: "a \(DirectoryReader.fileType(mode: info.st_mode).rawValue)")
            }
            return .register(ObjectRegistration(
                collection: payload.collection, name: entry.name, size: Int64(info.st_size), mtimeNanos: info.mtimeNanos,
                resource: spec.replicaResource, physicalPath: sourcePath,
                metadata: metadata + [OddNames.linkTarget(target)], alwaysUpdate: spec.ignoreCache), bytesCopied: 0)
        }

        /// REGISTER_SYNC and REGISTER_AS_REPLICA_SYNC: size and mtime as they are now, from the
        /// regular file the listing saw (not a link or FIFO swapped in since).
        func registerInPlace() throws -> EntryAction {
            let info: stat
            var checksum: String?
            if let algorithm = spec.checksum {
                let (input, opened) = try reader.openRegularFile(
                    nameBytes, expected: entry.identity, followLinks: spec.followSymlinks, displayPath: sourcePath)
                defer { close(input) }
                info = opened
                checksum = try FileCopier.checksum(ofDescriptor: input, algorithm: algorithm, path: sourcePath, cancellation: cancellation)
            } else {
                info = try reader.statRegularFile(nameBytes, expected: entry.identity, followLinks: spec.followSymlinks, displayPath: sourcePath)
                try reader.checkReadable(entry: nameBytes)
            }
            return .register(ObjectRegistration(
                collection: payload.collection, name: entry.name, size: Int64(info.st_size), mtimeNanos: info.mtimeNanos,
                resource: spec.replicaResource, physicalPath: decision?.physicalPath ?? sourcePath, checksum: checksum, metadata: metadata,
                alwaysUpdate: spec.ignoreCache), bytesCopied: 0)
        }

        /// PUT, PUT_SYNC and PUT_APPEND: the file is opened relative to the listed directory, not
        /// followed if it is now a link, not blocked on if it is now a FIFO, and only if it is still
        /// the regular file the listing saw; then copied whole, appended to, or left as it is.
        func copy(into copyDirectory: FileCopier.Destination, existing replica: Replica?) throws -> EntryAction {
            let (input, info) = try reader.openRegularFile(
                nameBytes, expected: entry.identity, followLinks: spec.followSymlinks, displayPath: sourcePath)
            defer { close(input) }
            let size = Int64(info.st_size)
            let mtime = info.mtimeNanos
            let copyName = StoredCopies.fileName(for: entry.name)
            var physicalPath = copyDirectory.path(of: copyName)
            var replacedCopy: String?
            let copy: FileCopier.Outcome
            if let replica {
                if try isCurrent(replica, input: input, size: size, mtime: mtime) {
                    return .leave(counter: Counter.entriesUnchanged)
                }
                if spec.operation == .putAppend,
                    let appended = try FileCopier.appendTail(
                        from: input, to: replica.physicalPath, copiedSize: replica.size, mtimeNanos: mtime, checksum: spec.checksum,
                        cancellation: cancellation)
                {
                    copy = appended
                    physicalPath = replica.physicalPath
                } else {
                    copy = try copyWhole(input, size: size, mtime: mtime, into: copyDirectory, name: copyName)
                    if replica.physicalPath != physicalPath { replacedCopy = replica.physicalPath }
                }
            } else {
                copy = try copyWhole(input, size: size, mtime: mtime, into: copyDirectory, name: copyName)
            }
            return .register(ObjectRegistration(
                collection: payload.collection, name: entry.name, size: size, mtimeNanos: mtime,
                resource: spec.replicaResource, physicalPath: physicalPath, checksum: copy.checksum, metadata: metadata,
                alwaysUpdate: true), bytesCopied: copy.bytesWritten, replacedCopy: replacedCopy)
        }

        /// PUT never copies a file again; the others leave a stored copy that has the file's size
        /// and mtime, and, when checksums are asked for, its checksum (unless told to ignore the cache).
        private func isCurrent(_ replica: Replica, input: Int32, size: Int64, mtime: Int64) throws -> Bool {
            if spec.operation == .put { return true }
            var unchanged = replica.size == size && replica.mtimeNanos == mtime
            if unchanged, let algorithm = spec.checksum {
                unchanged = try replica.checksum
                    == FileCopier.checksum(ofDescriptor: input, algorithm: algorithm, path: sourcePath, cancellation: cancellation)
            }
            return unchanged && !spec.ignoreCache
        }

        private func copyWhole(_ input: Int32, size: Int64, mtime: Int64, into directory: FileCopier.Destination, name: String) throws -> FileCopier.Outcome {
            try FileCopier.copyWhole(
                from: input, size: size, to: directory, name: name, mtimeNanos: mtime, checksum: spec.checksum, cancellation: cancellation)
        }
    }
}
