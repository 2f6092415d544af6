import CIngestSystem
import Foundation

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

    /// Creates a destination directory and its parents; done once per batch, not once per file.
    static func ensureDirectory(_ path: String) throws {
        // One mkdir settles the usual cases (made now, or there already); parents only when missing.
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Copies the open file `input` to `directory/name` (the directory exists), giving the copy the
    /// source's mtime.
    /// - Parameters:
    ///   - checksum: computed from the bytes as they are copied; the copy is then re-read and checked.
    static func copyWhole(from input: Int32, toDirectory directory: String, name: String, mtimeNanos: Int64, checksum: ChecksumAlgorithm?) throws -> Outcome {
        let destination = directory + "/" + name
        let unnamed = ingest_open_tmpfile(directory, 0o644)
        guard unnamed >= 0 else {
            return try copyThroughTemporaryName(from: input, toDirectory: directory, name: name, mtimeNanos: mtimeNanos, checksum: checksum)
        }
        // An unnamed file gets its name only once complete: one directory update instead of a create
        // and a rename, and nothing to clean up after a crash.
        defer { close(unnamed) }
        var hasher = checksum.map(StreamingChecksum.init)
        let written = try transfer(from: input, at: 0, to: unnamed, at: 0, hasher: &hasher, path: destination)
        try setModificationTime(unnamed, mtimeNanos, path: destination)
        let digest = hasher?.finalize()
        if let digest, let checksum {
            let found = try self.checksum(ofDescriptor: unnamed, algorithm: checksum, path: destination)
            guard found == digest else { throw VerificationFailed(path: destination, expected: digest, found: found) }
        }
        if ingest_link_tmpfile(unnamed, destination) == 0 {
            return Outcome(bytesWritten: written, checksum: digest)
        }
        guard errno == EEXIST else { throw FileSystemError(operation: "link", path: destination, code: errno) }
        // Replacing an older copy: name the new one temporarily, then rename it over the old one.
        let temporary = directory + "/.ingest-\(UInt64.random(in: 0...UInt64.max)).part"
        guard ingest_link_tmpfile(unnamed, temporary) == 0 else {
            throw FileSystemError(operation: "link", path: temporary, code: errno)
        }
        guard rename(temporary, destination) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileSystemError(operation: "rename", path: destination, code: code)
        }
        return Outcome(bytesWritten: written, checksum: digest)
    }

    /// The same, for file systems without unnamed files: written under a temporary name, then renamed.
    private static func copyThroughTemporaryName(
        from input: Int32, toDirectory directory: String, name: String, mtimeNanos: Int64, checksum: ChecksumAlgorithm?
    ) throws -> Outcome {
        let destination = directory + "/" + name
        // Short, so that a name near the 255-byte limit still fits; hidden, so listings skip it.
        let temporary = directory + "/.ingest-\(UInt64.random(in: 0...UInt64.max)).part"
        let output = try open(Array(temporary.utf8), flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
        var outputOpen = true
        do {
            var hasher = checksum.map(StreamingChecksum.init)
            let written = try transfer(from: input, at: 0, to: output, at: 0, hasher: &hasher, path: temporary)
            try setModificationTime(output, mtimeNanos, path: temporary)
            close(output)
            outputOpen = false
            let digest = hasher?.finalize()
            if let digest, let checksum {
                try verify(Array(temporary.utf8), expected: digest, algorithm: checksum, reportedPath: destination)
            }
            guard rename(temporary, destination) == 0 else {
                throw FileSystemError(operation: "rename", path: destination, code: errno)
            }
            return Outcome(bytesWritten: written, checksum: digest)
        } catch {
            if outputOpen { close(output) }
            unlink(temporary)
            throw error
        }
    }

    /// Appends to `destination` the bytes of the open file `input` past `copiedSize`, if the first
    /// `copiedSize` bytes of both are still the same.
    /// - Returns: nil when the source shrank or its already-copied part changed (copy it whole instead).
    static func appendTail(from input: Int32, to destination: String, copiedSize: Int64, mtimeNanos: Int64, checksum: ChecksumAlgorithm?) throws -> Outcome? {
        guard let output = try? open(Array(destination.utf8), flags: O_RDWR) else { return nil }
        defer { close(output) }
        var sourceInfo = stat()
        var copyInfo = stat()
        guard fstat(input, &sourceInfo) == 0, fstat(output, &copyInfo) == 0,
            Int64(sourceInfo.st_size) >= copiedSize, Int64(copyInfo.st_size) >= copiedSize
        else { return nil }

        var hasher = checksum.map(StreamingChecksum.init)
        guard try samePrefix(input, output, length: copiedSize, hasher: &hasher, path: destination) else { return nil }
        // A previous append that died half-way may have left bytes the catalog never recorded.
        guard ftruncate(output, off_t(copiedSize)) == 0 else {
            throw FileSystemError(operation: "truncate", path: destination, code: errno)
        }
        let written = try transfer(from: input, at: copiedSize, to: output, at: copiedSize, hasher: &hasher, path: destination)
        try setModificationTime(output, mtimeNanos, path: destination)
        let digest = hasher?.finalize()
        if let digest, let checksum {
            try verify(Array(destination.utf8), expected: digest, algorithm: checksum, reportedPath: destination)
        }
        return Outcome(bytesWritten: written, checksum: digest)
    }

    /// The checksum of a file's content.
    static func checksum(of path: [UInt8], algorithm: ChecksumAlgorithm) throws -> String {
        let input = try open(path, flags: O_RDONLY)
        defer { close(input) }
        return try checksum(ofDescriptor: input, algorithm: algorithm, path: String(decoding: path, as: UTF8.self))
    }

    /// The checksum of an open file's whole content (read from offset 0, whatever its position).
    static func checksum(ofDescriptor input: Int32, algorithm: ChecksumAlgorithm, path: String) throws -> String {
        var hasher = StreamingChecksum(algorithm)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer { buffer.deallocate() }
        var offset: off_t = 0
        while true {
            try Task.checkCancellation()
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

    private static func open(_ path: [UInt8], flags: Int32, mode: mode_t = 0) throws -> Int32 {
        let descriptor = (path + [0]).withUnsafeBufferPointer { name in
            name.withMemoryRebound(to: CChar.self) { Glibc.open($0.baseAddress!, flags | O_CLOEXEC, mode) }
        }
        guard descriptor >= 0 else {
            throw FileSystemError(operation: "open", path: String(decoding: path, as: UTF8.self), code: errno)
        }
        return descriptor
    }

    /// Copies from `inputOffset` to the end of the input. In-kernel (`copy_file_range`) when no
    /// checksum is needed, through a buffer otherwise.
    private static func transfer(
        from input: Int32, at inputOffset: Int64, to output: Int32, at outputOffset: Int64,
        hasher: inout StreamingChecksum?, path: String
    ) throws -> Int64 {
        var readOffset = inputOffset
        var writeOffset = outputOffset
        if hasher == nil {
            while true {
                // In 64 MiB steps, so that a timed-out or cancelled task stops within one step.
                try Task.checkCancellation()
                let copied = ingest_copy_file_range(input, &readOffset, output, &writeOffset, 64 << 20)
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
            try Task.checkCancellation()
            let count = pread(input, buffer.baseAddress, bufferSize, off_t(readOffset))
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

    private static func samePrefix(_ first: Int32, _ second: Int32, length: Int64, hasher: inout StreamingChecksum?, path: String) throws -> Bool {
        let left = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        let right = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 16)
        defer {
            left.deallocate()
            right.deallocate()
        }
        var offset: Int64 = 0
        while offset < length {
            try Task.checkCancellation()
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

    private static func setModificationTime(_ descriptor: Int32, _ mtimeNanos: Int64, path: String) throws {
        var times = [
            timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2),  // UTIME_OMIT: leave the access time
            timespec(tv_sec: Int(mtimeNanos / 1_000_000_000), tv_nsec: Int(mtimeNanos % 1_000_000_000)),
        ]
        guard futimens(descriptor, &times) == 0 else {
            throw FileSystemError(operation: "set mtime of", path: path, code: errno)
        }
    }

    private static func verify(_ path: [UInt8], expected: String, algorithm: ChecksumAlgorithm, reportedPath: String) throws {
        let found = try checksum(of: path, algorithm: algorithm)
        guard found == expected else {
            throw VerificationFailed(path: reportedPath, expected: expected, found: found)
        }
    }
}
