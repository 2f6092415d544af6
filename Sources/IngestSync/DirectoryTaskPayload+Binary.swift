import Foundation
import Synchronization

/// The wire form of `path` and `file` task payloads: a zero byte (no JSON text starts with one),
/// a version byte, then the fields with length-prefixed strings. The spec, the same for every task
/// of a job, travels as its JSON text, which a process encodes and decodes once for all its tasks.
/// Payloads written as JSON by earlier versions still read (`PayloadCoding.decodeDirectory`).
extension DirectoryTaskPayload {
    static let binaryMarker: UInt8 = 0
    /// 2 added the directory's identity and the partition, 3 a policy's decisions and the hook
    /// retry flag, 4 a bucket listing's page; payloads of earlier versions still read.
    static let binaryVersion: UInt8 = 4

    /// The specs last encoded and last decoded, with their JSON text: a job's listings and the file
    /// tasks of each group of a policy's decisions (another operation, resource or retries) alternate.
    private static let specCache = Mutex<(encoded: [(SyncSpec, Data)], decoded: [(Data, SyncSpec)])>(([], []))
    private static let specCacheSize = 4

    var binaryEncoded: Data {
        let spec = self.spec
        let specText: Data
        if let text = Self.specCache.withLock({ cache in cache.encoded.first { $0.0 == spec }?.1 }) {
            specText = text
        } else {
            specText = PayloadCoding.encode(spec)
            Self.specCache.withLock { cache in
                cache.encoded.insert((spec, specText), at: 0)
                if cache.encoded.count > Self.specCacheSize { cache.encoded.removeLast() }
            }
        }
        var writer = BinaryWriter()
        writer.bytes.reserveCapacity(specText.count + directory.utf8.count + collection.utf8.count + (entries?.count ?? 0) * 40 + 64)
        // The lowest version that holds the fields used: workers of earlier versions read every
        // payload of a job that uses nothing they lack (a directory without a policy: version 2).
        let version: UInt8 = page != nil ? 4 : decisions != nil || rerunsHooks != nil ? 3 : 2
        writer.byte(Self.binaryMarker)
        writer.byte(version)
        writer.data(specText)
        writer.string(directory)
        writer.optional(rawDirectory) { $0.data($1) }
        writer.string(collection)
        writer.optional(entries) { writer, entries in
            writer.number(UInt64(entries.count))
            for entry in entries { writer.string(entry.compact) }
        }
        writer.optional(ancestors) { writer, ancestors in
            writer.number(UInt64(ancestors.count))
            for ancestor in ancestors {
                writer.number(ancestor.device)
                writer.number(ancestor.inode)
            }
        }
        writer.flag(entriesAreNew)
        writer.flag(collectionIsNew)
        writer.optional(identity) { writer, identity in
            writer.number(identity.device)
            writer.number(identity.inode)
        }
        writer.optional(partition) { writer, partition in
            writer.number(UInt64(partition.index))
            writer.number(UInt64(partition.count))
        }
        if version >= 3 {
            // Rare (only jobs with a policy) and varied, so plain JSON.
            writer.optional(decisions) { writer, decisions in writer.data(PayloadCoding.encode(decisions)) }
            writer.flag(rerunsHooks)
        }
        if version >= 4 {
            writer.optional(page) { writer, page in
                writer.optional(page.cursor) { $0.string($1) }
                writer.optional(page.after) { $0.string($1) }
            }
        }
        return Data(writer.bytes)
    }

    /// - Throws: `DecodingError.dataCorrupted` for bytes this version cannot read.
    init(binary data: Data) throws {
        var reader = BinaryReader(bytes: [UInt8](data))
        guard try reader.byte() == Self.binaryMarker else { throw reader.corrupt("not a binary payload") }
        let version = try reader.byte()
        guard (1...Self.binaryVersion).contains(version) else { throw reader.corrupt("payload version \(version) is newer than this ingest reads") }
        let specText = try reader.data()
        if let cached = Self.specCache.withLock({ cache in cache.decoded.first { $0.0 == specText }?.1 }) {
            spec = cached
        } else {
            spec = try JSONDecoder().decode(SyncSpec.self, from: specText)
            let decoded = spec
            Self.specCache.withLock { cache in
                cache.decoded.insert((specText, decoded), at: 0)
                if cache.decoded.count > Self.specCacheSize { cache.decoded.removeLast() }
            }
        }
        directory = try reader.string()
        rawDirectory = try reader.optional { try $0.data() }
        collection = try reader.string()
        entries = try reader.optional { reader in
            let count = try reader.count()
            var entries: [FileEntry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let text = try reader.string()
                guard let entry = FileEntry(compact: text) else { throw reader.corrupt("not a file entry: \(text)") }
                entries.append(entry)
            }
            return entries
        }
        ancestors = try reader.optional { reader in
            try (0..<reader.count()).map { _ in EntryIdentity(device: try reader.number(), inode: try reader.number()) }
        }
        entriesAreNew = try reader.flag()
        collectionIsNew = try reader.flag()
        guard version >= 2 else { return }
        identity = try reader.optional { reader in EntryIdentity(device: try reader.number(), inode: try reader.number()) }
        partition = try reader.optional { reader in
            let index = try reader.number()
            let count = try reader.number()
            guard count > 0, index < count, count <= 1 << 20 else { throw reader.corrupt("partition \(index) of \(count)") }
            return DirectoryPartition(index: Int(index), count: Int(count))
        }
        guard version >= 3 else { return }
        decisions = try reader.optional { reader in try JSONDecoder().decode([EntryDecision].self, from: try reader.data()) }
        rerunsHooks = try reader.flag()
        guard version >= 4 else { return }
        page = try reader.optional { reader in
            ListingPage(cursor: try reader.optional { try $0.string() }, after: try reader.optional { try $0.string() })
        }
    }
}

private struct BinaryWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// LEB128: seven bits a byte, low bits first.
    mutating func number(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func data(_ value: Data) {
        number(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ value: String) {
        number(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optional<T>(_ value: T?, _ write: (inout BinaryWriter, T) -> Void) {
        guard let value else { return byte(0) }
        byte(1)
        write(&self, value)
    }

    /// nil, false or true.
    mutating func flag(_ value: Bool?) { byte(value.map { $0 ? 2 : 1 } ?? 0) }
}

private struct BinaryReader {
    let bytes: [UInt8]
    var offset = 0

    func corrupt(_ reason: String) -> DecodingError {
        DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "\(reason) (at byte \(offset) of \(bytes.count))"))
    }

    mutating func byte() throws -> UInt8 {
        guard offset < bytes.count else { throw corrupt("payload ends early") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func number() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64 else { throw corrupt("number too long") }
            value |= UInt64(next & 0x7F) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    /// A length or count, which must fit in what is left.
    mutating func count() throws -> Int {
        let value = try number()
        guard value <= UInt64(bytes.count - offset) else { throw corrupt("length \(value) runs past the end") }
        return Int(value)
    }

    mutating func slice() throws -> ArraySlice<UInt8> {
        let length = try count()
        defer { offset += length }
        return bytes[offset..<offset + length]
    }

    mutating func data() throws -> Data { Data(try slice()) }

    mutating func string() throws -> String {
        let slice = try slice()
        guard let text = String(validating: slice, as: UTF8.self) else { throw corrupt("text is not UTF-8") }
        return text
    }

    mutating func optional<T>(_ read: (inout BinaryReader) throws -> T) throws -> T? {
        switch try byte() {
        case 0: return nil
        case 1: return try read(&self)
        case let other: throw corrupt("presence byte \(other)")
        }
    }

    mutating func flag() throws -> Bool? {
        switch try byte() {
        case 0: return nil
        case 1: return false
        case 2: return true
        case let other: throw corrupt("flag byte \(other)")
        }
    }
}
