import Foundation
import IngestCore

/// A directory tree as a `Source`. Names that are not UTF-8 are listed escaped
/// (`NameEscaping`), as the sync catalogs them.
///
/// The sync's own listing (`PathHandler`) reads directories with `DirectoryReader` and shares large
/// ones by hash instead of paging, which never sorts; this type serves generic callers and keeps the
/// protocol's promises for a file system: pages in name order, links followed, special files left out.
public struct POSIXSource: Source {
    public let location: String

    /// - Parameter root: an absolute directory path.
    public init(root: String) {
        location = ResourceDefinition.normalizedPath(root)
    }

    public func physicalPath(of path: String) -> String { Self.join(location, path) }

    public func list(_ directory: String, cursor: String?, limit: Int) async throws -> SourcePage {
        let path = physicalPath(of: directory)
        let start = cursor.map { Array($0.utf8) }
        return try await BlockingIO.run(cancellation: TaskCancellation()) {
            let reader = try DirectoryReader(bytes: NameEscaping.unescape(path), displayPath: path)
            var entries: [SourceEntry] = []
            while let listed = try reader.next() {
                var type = listed.type
                var size = listed.size
                var mtime = listed.mtimeNanos
                if type == .link || type == .unknown {
                    // A link counts as what it points to; a dangling one is left out.
                    guard let info = try? reader.stat(entry: listed.nameBytes, followLinks: true) else { continue }
                    type = DirectoryReader.fileType(mode: info.st_mode)
                    size = Int64(info.st_size)
                    mtime = info.mtimeNanos
                }
                let name = NameEscaping.text(for: listed.nameBytes).text
                switch type {
                case .regular: entries.append(SourceEntry(name: name, kind: .file, size: size, mtimeNanos: mtime))
                case .directory: entries.append(SourceEntry(name: name, kind: .directory, mtimeNanos: mtime))
                default: continue
                }
            }
            entries.sort { $0.listingKey.lexicographicallyPrecedes($1.listingKey) }
            if let start { entries.removeAll { !start.lexicographicallyPrecedes($0.listingKey) } }
            guard entries.count > limit else { return SourcePage(entries: entries, cursor: nil) }
            let page = Array(entries.prefix(max(1, limit)))
            return SourcePage(entries: page, cursor: page.last.map { String(decoding: $0.listingKey, as: UTF8.self) })
        }
    }

    public func stat(_ path: String) async throws -> SourceEntry? {
        let full = physicalPath(of: path)
        return try await BlockingIO.run(cancellation: TaskCancellation()) {
            var info = Glibc.stat()
            let bytes = NameEscaping.unescape(full) + [0]
            let result = bytes.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { fstatat(AT_FDCWD, $0.baseAddress!, &info, 0) } }
            guard result == 0 else {
                if errno == ENOENT || errno == ENOTDIR { return nil }
                throw FileSystemError(operation: "stat", path: full, code: errno)
            }
            let name = String(full.split(separator: "/").last ?? "")
            switch DirectoryReader.fileType(mode: info.st_mode) {
            case .regular: return SourceEntry(name: name, kind: .file, size: Int64(info.st_size), mtimeNanos: info.mtimeNanos)
            case .directory: return SourceEntry(name: name, kind: .directory, mtimeNanos: info.mtimeNanos)
            default: return nil
            }
        }
    }

    public func read(_ path: String) async throws -> ByteChunks {
        let full = physicalPath(of: path)
        let file = try await BlockingIO.run(cancellation: TaskCancellation()) { try ReadableFile(path: full) }
        return file.chunks()
    }
}

/// An open file read in chunks from Dispatch threads (a read may block on a hung mount).
final class ReadableFile: Sendable {
    let path: String
    let descriptor: Int32
    static let chunkSize = 1 << 20

    init(path: String) throws {
        self.path = path
        let bytes = NameEscaping.unescape(path) + [0]
        descriptor = bytes.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { Glibc.open($0.baseAddress!, O_RDONLY | O_CLOEXEC) } }
        guard descriptor >= 0 else {
            if errno == ENOENT { throw EntryNotFound(location: path) }
            throw FileSystemError(operation: "open", path: path, code: errno)
        }
    }

    /// Takes ownership of an open descriptor.
    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    /// The file's bytes from `offset`; the descriptor stays open until the stream is done with.
    func chunks(from offset: Int64 = 0) -> ByteChunks {
        let position = OffsetBox(offset)
        return ByteChunks(unfolding: { [self] in
            let start = position.value
            let chunk = try await BlockingIO.run(cancellation: TaskCancellation()) { try self.read(at: start) }
            guard let chunk else { return nil }
            position.value += Int64(chunk.count)
            return chunk
        })
    }

    private func read(at offset: Int64) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, Self.chunkSize, off_t(offset)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(operation: "read", path: path, code: errno)
            }
            if count == 0 { return nil }
            buffer.removeLast(Self.chunkSize - count)
            return buffer
        }
    }
}

/// The read position of a chunk stream, which pulls one chunk at a time (never concurrently).
private final class OffsetBox: @unchecked Sendable {
    var value: Int64
    init(_ value: Int64) { self.value = value }
}
