import Foundation
import IngestCore

/// A file found by a `path` task, handed to a `file` task with what the listing saw.
public struct FileEntry: Codable, Sendable, Equatable {
    /// The catalog name: the file's name, escaped when it is not valid UTF-8.
    public var name: String
    public var size: Int64
    public var mtimeNanos: Int64
    /// The name's bytes on disk, when they differ from `name` (an escaped name).
    public var rawName: Data?
    /// For a symbolic link that is registered rather than followed: where it points.
    public var linkTarget: String?
    /// The file the listing saw (the link's target when links are followed); nil in payloads of
    /// earlier versions.
    public var identity: EntryIdentity?
    /// An object's entity tag, for entries of a bucket.
    public var etag: String?

    public init(
        name: String, size: Int64, mtimeNanos: Int64, rawName: Data? = nil, linkTarget: String? = nil, identity: EntryIdentity? = nil,
        etag: String? = nil
    ) {
        self.etag = etag
        self.name = name
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.rawName = rawName
        self.linkTarget = linkTarget
        self.identity = identity
    }

    /// The bytes to open on disk.
    public var nameBytes: [UInt8] { rawName.map(Array.init) ?? Array(name.utf8) }

    /// The name as source paths spell it: `name`, unless a policy renamed the entry in the catalog
    /// (`character_map`), in which case the name on disk (escaped where it is not UTF-8).
    public var sourceName: String { rawName.map { NameEscaping.text(for: Array($0)).text } ?? name }

    // A `file` task carries up to `files_per_task` entries; one compact string per entry decodes
    // several times faster than a keyed object: "SIZE/MTIME/NAME[/rHEX][/iDEVICE.INODE][/eETAG][/lTARGET]".
    // A name never holds "/", the raw name is hex, an entity tag is hex and "-", and the link target,
    // which may hold "/", comes last.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(compact)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let entry = FileEntry(compact: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a file entry: \(text)"))
        }
        self = entry
    }

    /// The entry as one string, "SIZE/MTIME/NAME[/rHEX][/iDEVICE.INODE][/eETAG][/lTARGET]".
    var compact: String {
        var text = "\(size)/\(mtimeNanos)/\(name)"
        if let rawName { text += "/r" + rawName.map { String(format: "%02x", $0) }.joined() }
        if let identity { text += "/i\(identity.device).\(identity.inode)" }
        if let etag { text += "/e" + etag }
        if let linkTarget { text += "/l" + linkTarget }
        return text
    }

    /// Reads `compact`'s form; nil when `text` is not in it. Works on the UTF-8 bytes: a file task
    /// reads one per file, and splitting into substrings cost more than the rest of the decoding.
    init?(compact text: String) {
        var text = text
        guard let entry = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = entry
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> FileEntry? {
        let slash = UInt8(ascii: "/")
        guard let firstSlash = bytes.firstIndex(of: slash),
            let secondSlash = bytes[(firstSlash + 1)...].firstIndex(of: slash),
            let size = integer(bytes[..<firstSlash]), let mtime = integer(bytes[(firstSlash + 1)..<secondSlash])
        else { return nil }
        let nameStart = secondSlash + 1
        let nameEnd = bytes[nameStart...].firstIndex(of: slash) ?? bytes.endIndex
        var entry = FileEntry(
            name: String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd]), as: UTF8.self), size: size, mtimeNanos: mtime)
        guard nameEnd < bytes.endIndex else { return entry }
        var rest = bytes[(nameEnd + 1)...]
        if rest.first == UInt8(ascii: "r") {
            let hexEnd = rest.firstIndex(of: slash) ?? rest.endIndex
            let hex = Array(rest[(rest.startIndex + 1)..<hexEnd])
            entry.rawName = Data(stride(from: 0, to: hex.count - 1, by: 2).compactMap { UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16) })
            rest = hexEnd < rest.endIndex ? rest[(hexEnd + 1)...] : rest[rest.endIndex...]
        }
        if rest.first == UInt8(ascii: "i") {
            let end = rest.firstIndex(of: slash) ?? rest.endIndex
            let field = rest[(rest.startIndex + 1)..<end]
            guard let dot = field.firstIndex(of: UInt8(ascii: ".")),
                let device = UInt64(String(decoding: UnsafeBufferPointer(rebasing: field[..<dot]), as: UTF8.self)),
                let inode = UInt64(String(decoding: UnsafeBufferPointer(rebasing: field[(dot + 1)...]), as: UTF8.self))
            else { return nil }
            entry.identity = EntryIdentity(device: device, inode: inode)
            rest = end < rest.endIndex ? rest[(end + 1)...] : rest[rest.endIndex...]
        }
        if rest.first == UInt8(ascii: "e") {
            let end = rest.firstIndex(of: slash) ?? rest.endIndex
            entry.etag = String(decoding: UnsafeBufferPointer(rebasing: rest[(rest.startIndex + 1)..<end]), as: UTF8.self)
            rest = end < rest.endIndex ? rest[(end + 1)...] : rest[rest.endIndex...]
        }
        if rest.first == UInt8(ascii: "l") {
            entry.linkTarget = String(decoding: UnsafeBufferPointer(rebasing: rest[(rest.startIndex + 1)...]), as: UTF8.self)
        }
        return entry
    }

    /// A decimal integer with an optional leading minus sign, or nil.
    private static func integer(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> Int64? {
        var index = digits.startIndex
        let negative = digits.first == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < digits.endIndex, digits.endIndex - index <= 19 else { return nil }
        var value: Int64 = 0
        while index < digits.endIndex {
            let digit = digits[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (multiplied, overflow) = value.multipliedReportingOverflow(by: 10)
            let (added, overflowAdding) = multiplied.addingReportingOverflow(Int64(digit))
            guard !overflow, !overflowAdding else { return nil }
            value = added
            index += 1
        }
        return negative ? -value : value
    }
}

/// Device and inode of a file or directory as a listing saw it: a later open must find the same
/// one, or the entry was replaced in between (a link or a FIFO swapped in) and is not read.
/// Also finds symbolic-link cycles when links are followed.
public struct EntryIdentity: Codable, Sendable, Hashable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}
