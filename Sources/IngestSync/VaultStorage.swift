import CIngestSystem
import Foundation
import IngestCore

/// A vault directory as a `Storage`: keys are paths under it. A write goes to an unnamed file (or a
/// hidden temporary name where the file system has none) that gets the key's name only once
/// complete, as every copy of a sync does (`FileCopier`).
public struct VaultStorage: Storage {
    public let location: String

    /// - Parameter root: the vault's absolute directory.
    public init(root: String) {
        location = ResourceDefinition.normalizedPath(root)
    }

    public func physicalPath(of key: String) -> String { location + "/" + key }

    public func put(_ key: String, body: ByteChunks, size: Int64?, options: StorageWriteOptions) async throws -> StoredObject {
        let path = try checkedPath(key)
        let copy = try await BlockingIO.run(cancellation: TaskCancellation()) { try PendingFile(path: path) }
        var hasher = options.checksum.map(StreamingChecksum.init)
        var written: Int64 = 0
        for try await chunk in body {
            hasher?.update(chunk)
            let offset = written
            try await BlockingIO.run(cancellation: TaskCancellation()) { try copy.write(chunk, at: offset) }
            written += Int64(chunk.count)
        }
        if let size, size != written {
            throw FileSystemError(operation: "write \(written) of \(size) bytes to", path: path, code: EIO)
        }
        let mtime = options.mtimeNanos
        let committed = try await BlockingIO.run(cancellation: TaskCancellation()) { try copy.commit(mtimeNanos: mtime) }
        return StoredObject(size: written, mtimeNanos: committed, checksum: hasher?.finalize())
    }

    public func append(_ key: String, tail: ByteChunks, existingSize: Int64, options: StorageWriteOptions) async throws -> StoredObject {
        let path = try checkedPath(key)
        let output = try FileCopier.open(Array(path.utf8), flags: O_RDWR)
        defer { close(output) }
        var current = Glibc.stat()
        guard fstat(output, &current) == 0 else { throw FileSystemError(operation: "stat", path: path, code: errno) }
        guard Int64(current.st_size) >= existingSize else {
            throw FileSystemError(operation: "append \(existingSize) bytes already stored to", path: path, code: EINVAL)
        }
        var hasher = options.checksum.map(StreamingChecksum.init)
        if hasher != nil {
            var hashed: Int64 = 0
            // The checksum is the whole object's: the bytes already there count first.
            for try await chunk in try ReadableFile(path: path).chunks() {
                let wanted = Int(max(0, min(Int64(chunk.count), existingSize - hashed)))
                hashed += Int64(wanted)
                hasher?.update(Array(chunk.prefix(wanted)))
                if wanted < chunk.count { break }
            }
        }
        // A previous append cut off half-way may have left bytes past what the caller knows.
        guard ftruncate(output, off_t(existingSize)) == 0 else { throw FileSystemError(operation: "truncate", path: path, code: errno) }
        var written = existingSize
        for try await chunk in tail {
            hasher?.update(chunk)
            let offset = written
            try await BlockingIO.run(cancellation: TaskCancellation()) { try PendingFile.write(chunk, to: output, at: offset, path: path) }
            written += Int64(chunk.count)
        }
        if let mtime = options.mtimeNanos { try FileCopier.setModificationTime(output, mtime, path: path) }
        var info = Glibc.stat()
        guard fstat(output, &info) == 0 else { throw FileSystemError(operation: "stat", path: path, code: errno) }
        return StoredObject(size: written, mtimeNanos: info.mtimeNanos, checksum: hasher?.finalize())
    }

    public func stat(_ key: String) async throws -> StoredObject? {
        let path = try checkedPath(key)
        var info = Glibc.stat()
        guard fstatat(AT_FDCWD, path, &info, 0) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw FileSystemError(operation: "stat", path: path, code: errno)
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return nil }
        return StoredObject(size: Int64(info.st_size), mtimeNanos: info.mtimeNanos)
    }

    public func read(_ key: String) async throws -> ByteChunks {
        try ReadableFile(path: checkedPath(key)).chunks()
    }

    public func remove(_ key: String) async throws {
        let path = try checkedPath(key)
        if unlink(path) != 0 && errno != ENOENT { throw FileSystemError(operation: "delete", path: path, code: errno) }
    }

    public func trash(_ key: String, to trashKey: String) async throws {
        let from = try checkedPath(key)
        let to = try checkedPath(trashKey)
        try FileCopier.ensureDirectory((to as NSString).deletingLastPathComponent)
        guard rename(from, to) == 0 else {
            if errno == ENOENT { throw EntryNotFound(location: from) }
            throw FileSystemError(operation: "move to trash", path: from, code: errno)
        }
    }

    /// The key's path, refusing keys that would leave the vault.
    private func checkedPath(_ key: String) throws -> String {
        let components = key.split(separator: "/", omittingEmptySubsequences: false)
        guard !key.isEmpty, !key.hasPrefix("/"), !components.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }) else {
            throw FileSystemError(operation: "use key '\(key)' in", path: location, code: EINVAL)
        }
        return physicalPath(of: key)
    }
}

/// A file being written that takes its name only once complete.
final class PendingFile: @unchecked Sendable {
    private let path: String
    private let directory: FileCopier.Destination
    private let name: String
    private let descriptor: Int32
    /// Set when the file system has no unnamed files: the hidden name it is written under.
    private let temporary: String?

    init(path: String) throws {
        self.path = path
        let parent = (path as NSString).deletingLastPathComponent
        name = (path as NSString).lastPathComponent
        directory = try FileCopier.Destination(path: parent)
        let unnamed = ingest_open_tmpfile_at(directory.descriptor, 0o644)
        if unnamed >= 0 {
            descriptor = unnamed
            temporary = nil
        } else {
            let hidden = FileCopier.temporaryName()
            descriptor = openat(directory.descriptor, hidden, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw FileSystemError(operation: "open", path: directory.path(of: hidden), code: errno) }
            temporary = hidden
        }
    }

    deinit {
        close(descriptor)
        // Never committed: a named temporary file is removed (an unnamed one vanishes with its descriptor).
        if let temporary, !committed { unlinkat(directory.descriptor, temporary, 0) }
    }

    private var committed = false

    func write(_ bytes: [UInt8], at offset: Int64) throws {
        try Self.write(bytes, to: descriptor, at: offset, path: path)
    }

    static func write(_ bytes: [UInt8], to descriptor: Int32, at offset: Int64, path: String) throws {
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
            if wrote < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(operation: "write", path: path, code: errno)
            }
            done += wrote
        }
    }

    /// Gives the file its name (replacing what had it) and returns its mtime.
    func commit(mtimeNanos: Int64?) throws -> Int64 {
        if let mtimeNanos { try FileCopier.setModificationTime(descriptor, mtimeNanos, path: path) }
        var info = Glibc.stat()
        guard fstat(descriptor, &info) == 0 else { throw FileSystemError(operation: "stat", path: path, code: errno) }
        var hidden = temporary
        if hidden == nil {
            if ingest_link_tmpfile_at(descriptor, directory.descriptor, name) == 0 {
                committed = true
                return info.mtimeNanos
            }
            guard errno == EEXIST else { throw FileSystemError(operation: "link", path: path, code: errno) }
            let named = FileCopier.temporaryName()
            guard ingest_link_tmpfile_at(descriptor, directory.descriptor, named) == 0 else {
                throw FileSystemError(operation: "link", path: directory.path(of: named), code: errno)
            }
            hidden = named
        }
        guard let hidden, renameat(directory.descriptor, hidden, directory.descriptor, name) == 0 else {
            let code = errno
            if let hidden { unlinkat(directory.descriptor, hidden, 0) }
            throw FileSystemError(operation: "rename", path: path, code: code)
        }
        committed = true
        return info.mtimeNanos
    }
}
