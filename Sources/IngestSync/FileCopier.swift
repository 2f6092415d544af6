import CIngestSystem
import Foundation
import IngestCore

/// Copies files into storage resources. A copy is written as an unnamed file (O_TMPFILE), or under
/// a temporary name where the file system has no unnamed files, and gets its real name only once
/// complete, so a crash never leaves a half file under the real name.
enum FileCopier {
    struct Outcome: Equatable {
        /// Bytes written to storage by this copy (an append writes only the new tail).
        var bytesWritten: Int64
        var checksum: String?
    }

    /// A copy whose re-read checksum differs from the source's.
    struct VerificationFailed: Error, CustomStringConvertible {
        var path: String
        var expected: String
        var found: String
        var description: String { "copy \(path) does not match its source: checksum \(found), expected \(expected)" }
    }

    private static let bufferSize = 1 << 20

    /// Opens a source file for copying; an unreadable file fails here, with its path and reason.
    static func openForReading(_ path: [UInt8]) throws -> Int32 {
        try open(path, flags: O_RDONLY)
    }

    /// Opens the entry `name` of the directory open as `directory` for copying: relative to the
    /// directory's descriptor, so the kernel does not walk the whole path again for every file.
    /// - Parameter displayPath: the file's full path, for the error.
    static func openForReading(_ name: [UInt8], in directory: Int32, displayPath: @autoclosure () -> String) throws -> Int32 {
        let descriptor = (name + [0]).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { openat(directory, $0.baseAddress!, O_RDONLY | O_CLOEXEC) }
        }
        guard descriptor >= 0 else {
            let code = errno  // read before the path is built: building it may allocate and reset errno
            throw FileSystemError(operation: "open", path: displayPath(), code: code)
        }
        return descriptor
    }

    /// Creates a destination directory and its parents; done once per batch, not once per file.
    /// - Throws: `FileSystemError` naming the directory that could not be made and the system's reason
    ///   (not Foundation's "Code=512 (null)").
    static func ensureDirectory(_ path: String) throws {
        // One mkdir settles the usual cases (made now, or there already); parents only when missing.
        if mkdir(path, 0o755) == 0 { return }
        var code = errno
        if code == EEXIST { return try requireDirectory(path) }
        if code == ENOENT, let parent = parentDirectory(of: path) {
            try ensureDirectory(parent)
            if mkdir(path, 0o755) == 0 { return }
            code = errno
            if code == EEXIST { return try requireDirectory(path) }
        }
        throw FileSystemError(operation: "create directory", path: path, code: code)
    }

    /// Something already at `path` must be a directory (a file of that name is not one to copy into).
    private static func requireDirectory(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileSystemError(operation: "create directory", path: path, code: errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw FileSystemError(operation: "create directory", path: path, code: ENOTDIR) }
    }

    private static func parentDirectory(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return nil }
        return String(path[..<slash])
    }

    /// A directory that copies go into, opened once for a batch: every copy of the batch is created
    /// and named relative to its descriptor rather than by a full path.
    /// Used by one task at a time, on its blocking-I/O thread.
    final class Destination: @unchecked Sendable {
        let path: String
        let descriptor: Int32

        /// Opens `path`, creating it and its parents first when `create` is set.
        init(path: String, create: Bool = true) throws {
            if create { try FileCopier.ensureDirectory(path) }
            self.path = path
            self.descriptor = try FileCopier.open(Array(path.utf8), flags: O_RDONLY | O_DIRECTORY)
        }

        deinit { close(descriptor) }

        func path(of name: String) -> String { path + "/" + name }
    }

    /// Copies the open file `input` to `directory/name` (the directory exists), giving the copy the
    /// source's mtime.
    static func copyWhole(from input: Int32, toDirectory directory: String, name: String, mtimeNanos: Int64, checksum: ChecksumAlgorithm?) throws -> Outcome {
        try copyWhole(from: input, to: Destination(path: directory, create: false), name: name, mtimeNanos: mtimeNanos, checksum: checksum)
    }

    /// Copies the open file `input` to `name` in `destination`, giving the copy the source's mtime.
    /// - Parameters:
    ///   - size: the source's size when it was opened: a copy stops there without asking for more,
    ///     which saves a system call per file and keeps the copy to the size the catalog records.
    ///     Nil: copy to the end of the input.
    ///   - checksum: computed from the bytes as they are copied; the copy is then re-read and checked.
    static func copyWhole(
        from input: Int32, size: Int64? = nil, to destination: Destination, name: String, mtimeNanos: Int64, checksum: ChecksumAlgorithm?,
        cancellation: TaskCancellation? = nil
    ) throws -> Outcome {
        let unnamed = ingest_open_tmpfile_at(destination.descriptor, 0o644)
        guard unnamed >= 0 else {
            return try copyThroughTemporaryName(
                from: input, size: size, to: destination, name: name, mtimeNanos: mtimeNanos, checksum: checksum, cancellation: cancellation)
        }
        // An unnamed file gets its name only once complete: one directory update instead of a create
        // and a rename, and nothing to clean up after a crash.
        defer { close(unnamed) }
        let reportedPath = destination.path(of: name)
        var hasher = checksum.map(StreamingChecksum.init)
        let written = try transfer(
            from: input, at: 0, to: unnamed, at: 0, size: size, hasher: &hasher, path: reportedPath, cancellation: cancellation)
        try setModificationTime(unnamed, mtimeNanos, path: reportedPath)
        let digest = hasher?.finalize()
        if let digest, let checksum {
            let found = try self.checksum(ofDescriptor: unnamed, algorithm: checksum, path: reportedPath, cancellation: cancellation)
            guard found == digest else { throw VerificationFailed(path: reportedPath, expected: digest, found: found) }
        }
        if ingest_link_tmpfile_at(unnamed, destination.descriptor, name) == 0 {
            return Outcome(bytesWritten: written, checksum: digest)
        }
        guard errno == EEXIST else { throw FileSystemError(operation: "link", path: reportedPath, code: errno) }
        // Replacing an older copy: name the new one temporarily, then rename it over the old one.
        let temporary = temporaryName()
        guard ingest_link_tmpfile_at(unnamed, destination.descriptor, temporary) == 0 else {
            throw FileSystemError(operation: "link", path: destination.path(of: temporary), code: errno)
        }
        guard renameat(destination.descriptor, temporary, destination.descriptor, name) == 0 else {
            let code = errno
            unlinkat(destination.descriptor, temporary, 0)
            throw FileSystemError(operation: "rename", path: reportedPath, code: code)
        }
        return Outcome(bytesWritten: written, checksum: digest)
    }

    /// Short, so that a name near the 255-byte limit still fits; hidden, so listings skip it.
    static func temporaryName() -> String {
        ".ingest-\(UInt64.random(in: 0...UInt64.max)).part"
    }

    /// The same, for file systems without unnamed files: written under a temporary name, then renamed.
    private static func copyThroughTemporaryName(
        from input: Int32, size: Int64?, to destination: Destination, name: String, mtimeNanos: Int64, checksum: ChecksumAlgorithm?,
        cancellation: TaskCancellation?
    ) throws -> Outcome {
        let temporary = temporaryName()
        let temporaryPath = destination.path(of: temporary)
        let output = openat(destination.descriptor, temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw FileSystemError(operation: "open", path: temporaryPath, code: errno) }
        var outputOpen = true
        do {
            var hasher = checksum.map(StreamingChecksum.init)
            let written = try transfer(
                from: input, at: 0, to: output, at: 0, size: size, hasher: &hasher, path: temporaryPath, cancellation: cancellation)
            try setModificationTime(output, mtimeNanos, path: temporaryPath)
            close(output)
            outputOpen = false
            let digest = hasher?.finalize()
            if let digest, let checksum {
                try verify(
                    Array(temporaryPath.utf8), expected: digest, algorithm: checksum, reportedPath: destination.path(of: name), cancellation: cancellation)
            }
            guard renameat(destination.descriptor, temporary, destination.descriptor, name) == 0 else {
                throw FileSystemError(operation: "rename", path: destination.path(of: name), code: errno)
            }
            return Outcome(bytesWritten: written, checksum: digest)
        } catch {
            if outputOpen { close(output) }
            unlinkat(destination.descriptor, temporary, 0)
            throw error
        }
    }

    /// Appends to `destination` the bytes of the open file `input` past `copiedSize`, if the first
    /// `copiedSize` bytes of both are still the same.
    /// - Returns: nil when the source shrank or its already-copied part changed (copy it whole instead).
    static func appendTail(
        from input: Int32, to destination: String, copiedSize: Int64, mtimeNanos: Int64, checksum: ChecksumAlgorithm?,
        cancellation: TaskCancellation? = nil
    ) throws -> Outcome? {
        guard let output = try? open(Array(destination.utf8), flags: O_RDWR) else { return nil }
        defer { close(output) }
        var sourceInfo = stat()
        var copyInfo = stat()
        guard fstat(input, &sourceInfo) == 0, fstat(output, &copyInfo) == 0,
            Int64(sourceInfo.st_size) >= copiedSize, Int64(copyInfo.st_size) >= copiedSize
        else { return nil }

        var hasher = checksum.map(StreamingChecksum.init)
        guard try samePrefix(input, output, length: copiedSize, hasher: &hasher, path: destination, cancellation: cancellation) else { return nil }
        // A previous append that died half-way may have left bytes the catalog never recorded.
        guard ftruncate(output, off_t(copiedSize)) == 0 else {
            throw FileSystemError(operation: "truncate", path: destination, code: errno)
        }
        let written = try transfer(
            from: input, at: copiedSize, to: output, at: copiedSize, size: nil, hasher: &hasher, path: destination, cancellation: cancellation)
        try setModificationTime(output, mtimeNanos, path: destination)
        let digest = hasher?.finalize()
        if let digest, let checksum {
            try verify(Array(destination.utf8), expected: digest, algorithm: checksum, reportedPath: destination, cancellation: cancellation)
        }
        return Outcome(bytesWritten: written, checksum: digest)
    }

    /// The checksum of a file's content.
    static func checksum(of path: [UInt8], algorithm: ChecksumAlgorithm, cancellation: TaskCancellation? = nil) throws -> String {
        // Non-blocking open: a FIFO at the path must not hold the thread (reads of a regular file are unaffected).
        let input = try open(path, flags: O_RDONLY | O_NONBLOCK)
        defer { close(input) }
        return try checksum(ofDescriptor: input, algorithm: algorithm, path: String(decoding: path, as: UTF8.self), cancellation: cancellation)
    }

    /// The checksum of an open file's whole content (read from offset 0, whatever its position).
    static func checksum(ofDescriptor input: Int32, algorithm: ChecksumAlgorithm, path: String, cancellation: TaskCancellation? = nil) throws -> String {
        var hasher = StreamingChecksum(algorithm)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset: off_t = 0
        while true {
            try checkStop(cancellation)
            let count = pread(input, buffer.baseAddress, bufferSize, offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(operation: "read", path: path, code: errno)
            }
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += off_t(count)
        }
        return hasher.finalize()
    }

    // MARK: - Steps

    /// Stops a copy or checksum between steps once its task is cancelled: by the Swift task when it
    /// runs there, or through `cancellation` when it runs on a blocking-I/O thread.
    private static func checkStop(_ cancellation: TaskCancellation?) throws {
        if Task.isCancelled || cancellation?.isCancelled == true { throw CancellationError() }
    }

    static func open(_ path: [UInt8], flags: Int32, mode: mode_t = 0) throws -> Int32 {
        let descriptor = (path + [0]).withUnsafeBufferPointer { name in
            name.withMemoryRebound(to: CChar.self) { Glibc.open($0.baseAddress!, flags | O_CLOEXEC, mode) }
        }
        guard descriptor >= 0 else {
            throw FileSystemError(operation: "open", path: String(decoding: path, as: UTF8.self), code: errno)
        }
        return descriptor
    }

    /// Copies from `inputOffset` to the end of the input, or, with `size`, until the output holds
    /// `size` bytes. In-kernel (`copy_file_range`) when no checksum is needed, through a buffer otherwise.
    private static func transfer(
        from input: Int32, at inputOffset: Int64, to output: Int32, at outputOffset: Int64, size: Int64?,
        hasher: inout StreamingChecksum?, path: String, cancellation: TaskCancellation?
    ) throws -> Int64 {
        var readOffset = inputOffset
        var writeOffset = outputOffset
        if hasher == nil {
            while true {
                // In 64 MiB steps, so that a timed-out or cancelled task stops within one step.
                try checkStop(cancellation)
                let wanted = size.map { max(0, min(64 << 20, $0 - writeOffset)) } ?? (64 << 20)
                if wanted == 0 { return writeOffset - outputOffset }
                let copied = ingest_copy_file_range(input, &readOffset, output, &writeOffset, Int(wanted))
                if copied > 0 { continue }
                if copied == 0 { return writeOffset - outputOffset }
                if errno == EINTR { continue }
                if errno == ENOSYS || errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP { break }
                throw FileSystemError(operation: "copy", path: path, code: errno)
            }
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            try checkStop(cancellation)
            let wanted = size.map { Int(max(0, min(Int64(bufferSize), $0 - writeOffset))) } ?? bufferSize
            if wanted == 0 { return writeOffset - outputOffset }
            let count = pread(input, buffer.baseAddress, wanted, off_t(readOffset))
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(operation: "read", path: path, code: errno)
            }
            if count == 0 { return writeOffset - outputOffset }
            hasher?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            var done = 0
            while done < count {
                let wrote = pwrite(output, buffer.baseAddress! + done, count - done, off_t(writeOffset))
                if wrote < 0 {
                    if errno == EINTR { continue }
                    throw FileSystemError(operation: "write", path: path, code: errno)
                }
                done += wrote
                writeOffset += Int64(wrote)
            }
            readOffset += Int64(count)
        }
    }

    private static func samePrefix(
        _ first: Int32, _ second: Int32, length: Int64, hasher: inout StreamingChecksum?, path: String, cancellation: TaskCancellation?
    ) throws -> Bool {
        let left = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        let right = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer {
            left.deallocate()
            right.deallocate()
        }
        var offset: Int64 = 0
        while offset < length {
            try checkStop(cancellation)
            let wanted = Int(min(Int64(bufferSize), length - offset))
            let leftCount = pread(first, left.baseAddress, wanted, off_t(offset))
            let rightCount = pread(second, right.baseAddress, wanted, off_t(offset))
            guard leftCount >= 0, rightCount >= 0 else { throw FileSystemError(operation: "read", path: path, code: errno) }
            guard leftCount == wanted, rightCount == wanted, memcmp(left.baseAddress!, right.baseAddress!, wanted) == 0 else {
                return false
            }
            hasher?.update(UnsafeRawBufferPointer(rebasing: left[0..<wanted]))
            offset += Int64(wanted)
        }
        return true
    }

    static func setModificationTime(_ descriptor: Int32, _ mtimeNanos: Int64, path: String) throws {
        var times = [
            timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2),  // UTIME_OMIT: leave the access time
            timespec(tv_sec: Int(mtimeNanos / 1_000_000_000), tv_nsec: Int(mtimeNanos % 1_000_000_000)),
        ]
        guard futimens(descriptor, &times) == 0 else {
            throw FileSystemError(operation: "set mtime of", path: path, code: errno)
        }
    }

    private static func verify(
        _ path: [UInt8], expected: String, algorithm: ChecksumAlgorithm, reportedPath: String, cancellation: TaskCancellation?
    ) throws {
        let found = try checksum(of: path, algorithm: algorithm, cancellation: cancellation)
        guard found == expected else {
            throw VerificationFailed(path: reportedPath, expected: expected, found: found)
        }
    }
}
