import Foundation

/// Which of a layer-2 chunk's edge sections an edge came from.
public enum EdgeKind: Int, Sendable, CaseIterable {
    /// Both supervoxels lie in the chunk; active when both belong to one agglomeration component.
    case inChunk
    /// The second supervoxel lies in a neighbouring chunk; active when both belong to one component.
    case betweenChunk
    /// A supervoxel split by the chunk border: always active.
    case crossChunk
}

/// One edge of the region graph: two supervoxel ids, the affinity between them and the contact area.
public struct Edge: Sendable, Equatable {
    public var first: UInt64
    public var second: UInt64
    public var affinity: Float
    public var area: UInt32

    public init(_ first: UInt64, _ second: UInt64, affinity: Float = 1, area: UInt32 = 1) {
        self.first = first
        self.second = second
        self.affinity = affinity
        self.area = area
    }
}

/// The edges file of one layer-2 chunk, `EDGES/X_Y_Z.edges`, little-endian:
///
///     bytes 0-7    "INGEDGE1"
///     bytes 8-31   three UInt64 counts: in-chunk, between-chunk and cross-chunk edges
///     then         that many 24-byte records in that order:
///                  UInt64 first supervoxel (in this chunk), UInt64 second supervoxel, Float32 affinity, UInt32 area
///
/// An edge between two chunks is listed in both chunks' files, each time with that chunk's supervoxel first.
public enum EdgeFile {
    public static let magic = Array("INGEDGE1".utf8)
    public static let headerSize = 32
    public static let recordSize = 24

    public static func name(_ chunk: ChunkCoordinate) -> String { "\(chunk.x)_\(chunk.y)_\(chunk.z).edges" }

    public static func write(path: String, inChunk: [Edge], betweenChunk: [Edge], crossChunk: [Edge]) throws {
        var data = Data(capacity: headerSize + recordSize * (inChunk.count + betweenChunk.count + crossChunk.count))
        data.append(contentsOf: magic)
        for count in [inChunk.count, betweenChunk.count, crossChunk.count] { data.appendLittleEndian(UInt64(count)) }
        for edge in inChunk + betweenChunk + crossChunk {
            data.appendLittleEndian(edge.first)
            data.appendLittleEndian(edge.second)
            data.appendLittleEndian(edge.affinity.bitPattern)
            data.appendLittleEndian(edge.area)
        }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The whole file's edges with the index where each section starts (one chunk's file is small:
    /// about 24 bytes per edge of one chunk).
    /// - Returns: nil when the file does not exist.
    public static func readAll(path: String) throws -> (edges: [Edge], betweenStart: Int, crossStart: Int)? {
        guard let reader = try RecordFileReader(path: path) else { return nil }
        return try readAll(reader)
    }

    /// `readAll(path:)` of a file already in memory (an object read from a bucket); `path` names it in errors.
    public static func readAll(bytes: [UInt8], path: String) throws -> (edges: [Edge], betweenStart: Int, crossStart: Int) {
        try readAll(RecordFileReader(bytes: bytes, path: path))
    }

    private static func readAll(_ reader: RecordFileReader) throws -> (edges: [Edge], betweenStart: Int, crossStart: Int) {
        let header = try reader.header(size: headerSize, magic: magic, format: "an edges file (INGEDGE1)")
        let counts = (0..<3).map { Int(clamping: header.loadLittleEndianUInt64(at: 8 + 8 * $0)) }
        try reader.expectRecords(counts.map(UInt64.init), recordSize: recordSize)
        var edges: [Edge] = []
        edges.reserveCapacity(counts.reduce(0, +))
        try reader.forEachBlock(size: recordSize) { block in
            for offset in stride(from: 0, to: block.count, by: recordSize) {
                edges.append(Edge(
                    block.loadLittleEndianUInt64(at: offset), block.loadLittleEndianUInt64(at: offset + 8),
                    affinity: Float(bitPattern: block.loadLittleEndianUInt32(at: offset + 16)),
                    area: block.loadLittleEndianUInt32(at: offset + 20)))
            }
        }
        return (edges, counts[0], counts[0] + counts[1])
    }

    /// Streams the file's edges in file order through `body` without holding the file in memory.
    /// - Returns: false when the file does not exist (a chunk without edges).
    /// - Throws: `GraphError.badChunkFile` for a wrong magic, a truncated file or trailing bytes.
    @discardableResult
    public static func read(path: String, _ body: (EdgeKind, Edge) throws -> Void) throws -> Bool {
        guard let reader = try RecordFileReader(path: path) else { return false }
        let header = try reader.header(size: headerSize, magic: magic, format: "an edges file (INGEDGE1)")
        let counts = (0..<3).map { header.loadLittleEndianUInt64(at: 8 + 8 * $0) }
        try reader.expectRecords(counts, recordSize: recordSize)
        var kinds = [(EdgeKind, UInt64)]()
        for (index, kind) in EdgeKind.allCases.enumerated() { kinds.append((kind, counts[index])) }
        var kindIndex = 0
        var remainingInKind = kinds[0].1
        try reader.forEachRecord(size: recordSize) { record in
            while remainingInKind == 0 {
                kindIndex += 1
                remainingInKind = kinds[kindIndex].1
            }
            remainingInKind -= 1
            let edge = Edge(
                record.loadLittleEndianUInt64(at: 0), record.loadLittleEndianUInt64(at: 8),
                affinity: Float(bitPattern: record.loadLittleEndianUInt32(at: 16)), area: record.loadLittleEndianUInt32(at: 20))
            try body(kinds[kindIndex].0, edge)
        }
        return true
    }
}

/// The components file of one layer-2 chunk, `COMPONENTS/X_Y_Z.components`, little-endian:
///
///     bytes 0-7    "INGCOMP1"
///     bytes 8-15   UInt64 count
///     then         that many 16-byte records: UInt64 supervoxel (in this chunk), UInt64 agglomeration component
///
/// Every supervoxel of the chunk is listed once; component ids are global, so a component can
/// span chunks.
public enum ComponentsFile {
    public static let magic = Array("INGCOMP1".utf8)
    public static let headerSize = 16
    public static let recordSize = 16

    public static func name(_ chunk: ChunkCoordinate) -> String { "\(chunk.x)_\(chunk.y)_\(chunk.z).components" }

    public static func write(path: String, _ entries: [(supervoxel: UInt64, component: UInt64)]) throws {
        var data = Data(capacity: headerSize + recordSize * entries.count)
        data.append(contentsOf: magic)
        data.appendLittleEndian(UInt64(entries.count))
        for entry in entries {
            data.appendLittleEndian(entry.supervoxel)
            data.appendLittleEndian(entry.component)
        }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The whole file as two parallel arrays; nil when the file does not exist.
    public static func readAll(path: String) throws -> (supervoxels: [UInt64], components: [UInt64])? {
        guard let reader = try RecordFileReader(path: path) else { return nil }
        return try readAll(reader)
    }

    /// `readAll(path:)` of a file already in memory (an object read from a bucket); `path` names it in errors.
    public static func readAll(bytes: [UInt8], path: String) throws -> (supervoxels: [UInt64], components: [UInt64]) {
        try readAll(RecordFileReader(bytes: bytes, path: path))
    }

    private static func readAll(_ reader: RecordFileReader) throws -> (supervoxels: [UInt64], components: [UInt64]) {
        let header = try reader.header(size: headerSize, magic: magic, format: "a components file (INGCOMP1)")
        let count = header.loadLittleEndianUInt64(at: 8)
        try reader.expectRecords([count], recordSize: recordSize)
        var supervoxels: [UInt64] = [], components: [UInt64] = []
        supervoxels.reserveCapacity(Int(count))
        components.reserveCapacity(Int(count))
        try reader.forEachBlock(size: recordSize) { block in
            for offset in stride(from: 0, to: block.count, by: recordSize) {
                supervoxels.append(block.loadLittleEndianUInt64(at: offset))
                components.append(block.loadLittleEndianUInt64(at: offset + 8))
            }
        }
        return (supervoxels, components)
    }

    /// Streams `(supervoxel, component)` pairs through `body`.
    /// - Returns: false when the file does not exist (a chunk without supervoxels).
    @discardableResult
    public static func read(path: String, _ body: (UInt64, UInt64) throws -> Void) throws -> Bool {
        guard let reader = try RecordFileReader(path: path) else { return false }
        let header = try reader.header(size: headerSize, magic: magic, format: "a components file (INGCOMP1)")
        try reader.expectRecords([header.loadLittleEndianUInt64(at: 8)], recordSize: recordSize)
        try reader.forEachRecord(size: recordSize) { record in
            try body(record.loadLittleEndianUInt64(at: 0), record.loadLittleEndianUInt64(at: 8))
        }
        return true
    }
}

/// Reads fixed-size records through a bounded buffer, checking the size the header promises first:
/// from a local file, or from a whole object already in memory.
final class RecordFileReader {
    let path: String
    /// The open file, or -1 when the bytes are in `memory`.
    private let descriptor: Int32
    private let memory: [UInt8]
    private var memoryOffset = 0
    private let fileSize: Int
    private var dataStart = 0
    private var expectedRecords = 0
    private static let bufferSize = 1 << 20

    /// Nil when the file does not exist.
    init?(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw GraphError.badChunkFile(path: path, reason: "cannot be opened: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        fstat(descriptor, &info)
        self.descriptor = descriptor
        self.memory = []
        self.fileSize = Int(info.st_size)
    }

    init(bytes: [UInt8], path: String) {
        self.path = path
        self.descriptor = -1
        self.memory = bytes
        self.fileSize = bytes.count
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    func header(size: Int, magic: [UInt8], format: String) throws -> [UInt8] {
        var header = [UInt8](repeating: 0, count: size)
        let got = header.withUnsafeMutableBytes { readFully(into: $0.baseAddress!, count: size) }
        guard got >= magic.count, Array(header.prefix(magic.count)) == magic else {
            throw GraphError.badChunkFile(path: path, reason: "is not \(format); it does not start with \(String(decoding: magic, as: UTF8.self))")
        }
        guard got == size else {
            throw GraphError.badChunkFile(path: path, reason: "is truncated: its \(size)-byte header is cut off after \(got) bytes")
        }
        dataStart = size
        return header
    }

    func expectRecords(_ counts: [UInt64], recordSize: Int) throws {
        let total = counts.reduce(UInt64(0)) { $0 &+ $1 }
        let (bytes, overflow) = total.multipliedReportingOverflow(by: UInt64(recordSize))
        let expectedSize = overflow ? UInt64.max : bytes &+ UInt64(dataStart)
        if expectedSize > UInt64(fileSize) {
            throw GraphError.badChunkFile(
                path: path,
                reason: "is truncated: its header promises \(total) records (\(expectedSize) bytes) but the file has \(fileSize) bytes; write it again")
        }
        if expectedSize < UInt64(fileSize) {
            throw GraphError.badChunkFile(
                path: path, reason: "has \(UInt64(fileSize) - expectedSize) bytes after the \(total) records its header promises; write it again")
        }
        expectedRecords = Int(total)
    }

    func forEachRecord(size: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try forEachBlock(size: size) { block in
            var offset = 0
            while offset < block.count {
                try body(UnsafeRawBufferPointer(rebasing: block[offset..<offset + size]))
                offset += size
            }
        }
    }

    /// Hands over the records a buffer at a time (a whole number of records each time).
    func forEachBlock(size: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        // No bigger than the file: most chunk files are far smaller than the buffer's bound.
        let capacity = max(size, min(Self.bufferSize / size, expectedRecords) * size)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        var remaining = expectedRecords
        while remaining > 0 {
            let want = min(capacity, remaining * size)
            let got = readFully(into: buffer, count: want)
            guard got == want else {
                throw GraphError.badChunkFile(path: path, reason: "changed while it was read; it ended early")
            }
            try body(UnsafeRawBufferPointer(start: buffer, count: got))
            remaining -= got / size
        }
    }

    private func readFully(into pointer: UnsafeMutableRawPointer, count: Int) -> Int {
        guard descriptor >= 0 else {
            let got = min(count, memory.count - memoryOffset)
            guard got > 0 else { return 0 }
            memory.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress! + memoryOffset, byteCount: got) }
            memoryOffset += got
            return got
        }
        var total = 0
        while total < count {
            let got = Glibc.read(descriptor, pointer + total, count - total)
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            total += got
        }
        return total
    }
}

extension Data {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always) func loadLittleEndianUInt64(at offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always) func loadLittleEndianUInt32(at offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}

extension Array where Element == UInt8 {
    func loadLittleEndianUInt64(at offset: Int) -> UInt64 {
        withUnsafeBytes { $0.loadLittleEndianUInt64(at: offset) }
    }
}
