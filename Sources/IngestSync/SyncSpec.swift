import Foundation
import IngestCore

/// Queue names a sync job uses (seed `--restart_queue`, `--path_queue`, `--file_queue`).
public struct SyncQueues: Codable, Sendable, Equatable {
    public var restart: String
    public var path: String
    public var file: String

    public init(restart: String = "restart", path: String = "path", file: String = "file") {
        self.restart = restart
        self.path = path
        self.file = file
    }
}

/// What a sync does with a new or changed file (seed `--operation`, `Operation.*` in event handlers).
public enum SyncOperation: String, Codable, Sendable, CaseIterable {
    /// Register the file where it is; a changed file gets its catalog size and mtime updated.
    case registerSync = "REGISTER_SYNC"
    /// Register the file as the first or an additional replica on the named resource; on change that
    /// replica is updated and the object's other replicas are marked stale.
    case registerAsReplicaSync = "REGISTER_AS_REPLICA_SYNC"
    /// Copy a new file into the resource; leave changed files alone.
    case put = "PUT"
    /// Copy new files; copy changed files again, whole.
    case putSync = "PUT_SYNC"
    /// Copy new files; of a changed file copy only the bytes past the stored copy's size, or all of it
    /// if the file shrank or its already-copied part changed.
    case putAppend = "PUT_APPEND"
    /// Do nothing with files (directories still become collections).
    case noOp = "NO_OP"

    /// Accepts the seed's spellings: `PUT_SYNC`, `put_sync`, `Operation.PUT_SYNC`.
    public init?(userValue: String) {
        self.init(rawValue: seedSpelling(userValue, enumName: "OPERATION"))
    }

    public var copiesData: Bool { self == .put || self == .putSync || self == .putAppend }
    public var registersInPlace: Bool { self == .registerSync || self == .registerAsReplicaSync }
}

/// A seed value as users type it (`put_sync`, `Operation.PUT_SYNC`), reduced to the raw value (`PUT_SYNC`).
private func seedSpelling(_ value: String, enumName: String) -> String {
    let upper = value.uppercased()
    return upper.hasPrefix(enumName + ".") ? String(upper.dropFirst(enumName.count + 1)) : upper
}

/// What happens to catalog entries whose source entry is gone (seed `--delete_mode`).
public enum DeleteMode: String, Codable, Sendable, CaseIterable {
    case doNotDelete = "DO_NOT_DELETE"
    /// Remove the entries from the catalog (register operations).
    case unregister = "UNREGISTER"
    /// Move the entries under `/<zone>/trash/...` and their stored copies into the vault's trash (copy operations).
    case trash = "TRASH"
    /// Remove the entries and their stored copies (copy operations).
    case noTrash = "NO_TRASH"

    public init?(userValue: String) {
        self.init(rawValue: seedSpelling(userValue, enumName: "DELETEMODE"))
    }

    /// The seed's rules: UNREGISTER only with the register operations, TRASH and NO_TRASH only with
    /// PUT_SYNC and PUT_APPEND.
    public func isAllowed(with operation: SyncOperation) -> Bool {
        switch self {
        case .doNotDelete: true
        case .unregister: operation.registersInPlace
        case .trash, .noTrash: operation == .putSync || operation == .putAppend
        }
    }
}

public enum ChecksumAlgorithm: String, Codable, Sendable, CaseIterable {
    case sha256, md5
}

/// Which entries a sync leaves out. Name patterns are regular expressions matched, like Python's
/// `re.match`, at the start of the entry's full absolute source path (not necessarily to its end):
/// the seed's `(\S+)exclude` excludes `/data/run1_exclude` and `/data/excluded.txt`, and
/// `(\S+)\.hidden` excludes `/data/.hidden` and `/data/notes.hidden`.
public struct ExclusionRules: Codable, Sendable, Equatable {
    /// `regular`, `directory`, `character`, `block`, `socket`, `pipe`, `link`.
    public var fileTypes: [String]
    /// Applied to every entry that is not a directory.
    public var fileNamePatterns: [String]
    /// Applied to directories; an excluded directory is not descended into.
    public var directoryNamePatterns: [String]

    public init(fileTypes: [String] = [], fileNamePatterns: [String] = [], directoryNamePatterns: [String] = []) {
        self.fileTypes = fileTypes
        self.fileNamePatterns = fileNamePatterns
        self.directoryNamePatterns = directoryNamePatterns
    }

    public static let fileTypeNames = ["regular", "directory", "character", "block", "socket", "pipe", "link"]
}

/// The options a sync job was started with. Carried in every task so a worker needs nothing
/// else to run it; holds no secrets (invariant 8).
public struct SyncSpec: Codable, Sendable, Equatable {
    /// Absolute path of the source directory.
    public var source: String
    /// Canonical logical path of the destination collection.
    public var target: String
    public var filesPerTask: Int
    public var ignoreCache: Bool
    public var initialIngest: Bool
    public var queues: SyncQueues
    public var retry: RetryPolicy
    public var operation: SyncOperation
    /// The storage resource copies go to, or register operations record their replica on.
    /// Nil: `inplace` for the register operations; copy operations need one.
    public var resource: String?
    public var checksum: ChecksumAlgorithm?
    public var exclusions: ExclusionRules
    public var followSymlinks: Bool
    public var deleteMode: DeleteMode

    public init(
        source: String, target: String, filesPerTask: Int = 50, ignoreCache: Bool = false, initialIngest: Bool = false,
        queues: SyncQueues = SyncQueues(), retry: RetryPolicy = .default, operation: SyncOperation = .registerSync,
        resource: String? = nil, checksum: ChecksumAlgorithm? = nil, exclusions: ExclusionRules = ExclusionRules(),
        followSymlinks: Bool = false, deleteMode: DeleteMode = .doNotDelete
    ) {
        self.source = source
        self.target = target
        self.filesPerTask = filesPerTask
        self.ignoreCache = ignoreCache
        self.initialIngest = initialIngest
        self.queues = queues
        self.retry = retry
        self.operation = operation
        self.resource = resource
        self.checksum = checksum
        self.exclusions = exclusions
        self.followSymlinks = followSymlinks
        self.deleteMode = deleteMode
    }

    /// The resource this job's replicas go on.
    public var replicaResource: String { resource ?? StorageResource.inPlace.name }

    public static let jobKind = "sync"
}

/// The task kinds of a sync job, namespaced by the job kind (`SyncJobKind.legacyTaskKinds` runs
/// tasks queued under the older bare names).
public enum SyncTaskKind {
    public static let restart = "sync.restart"
    public static let path = "sync.path"
    public static let file = "sync.file"
}

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

    public init(name: String, size: Int64, mtimeNanos: Int64, rawName: Data? = nil, linkTarget: String? = nil, identity: EntryIdentity? = nil) {
        self.name = name
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.rawName = rawName
        self.linkTarget = linkTarget
        self.identity = identity
    }

    /// The bytes to open on disk.
    public var nameBytes: [UInt8] { rawName.map(Array.init) ?? Array(name.utf8) }

    // A `file` task carries up to `files_per_task` entries; one compact string per entry decodes
    // several times faster than a keyed object: "SIZE/MTIME/NAME[/rHEX][/iDEVICE.INODE][/lTARGET]". A
    // name never holds "/", the raw name is hex, and the link target, which may hold "/", comes last.
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

    /// The entry as one string, "SIZE/MTIME/NAME[/rHEX][/iDEVICE.INODE][/lTARGET]".
    var compact: String {
        var text = "\(size)/\(mtimeNanos)/\(name)"
        if let rawName { text += "/r" + rawName.map { String(format: "%02x", $0) }.joined() }
        if let identity { text += "/i\(identity.device).\(identity.inode)" }
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

/// One of `count` shares of a directory's entries, by a hash of the name's bytes: every entry falls
/// in exactly one share however the directory changes between the shares' listings.
struct DirectoryPartition: Codable, Sendable, Equatable {
    var index: Int
    var count: Int

    func contains(_ nameBytes: [UInt8]) -> Bool {
        // FNV-1a: stable across processes and versions, unlike Swift's seeded hashing.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in nameBytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(count)) == index
    }
}

/// Payload of `path` and `file` tasks.
struct DirectoryTaskPayload: Codable, Sendable {
    var spec: SyncSpec
    /// Absolute source directory, escaped where it is not valid UTF-8.
    var directory: String
    /// The directory's bytes on disk, when they differ from `directory`.
    var rawDirectory: Data?
    /// The collection the directory maps to.
    var collection: String
    /// For `file` tasks: the entries to sync.
    var entries: [FileEntry]?
    /// When following links: the directories from the source root down to this one.
    var ancestors: [EntryIdentity]?
    /// The directory as its parent's listing saw it; opening it must find the same one. Nil for the
    /// source root (the user named it) and in payloads of earlier versions.
    var identity: EntryIdentity?
    /// For `path` tasks of a very large directory: list only the entries whose name falls in this
    /// share, so that no task holds more than a bounded number of child tasks.
    var partition: DirectoryPartition?
    /// For `file` tasks: set when the listing looked every entry up and found none of them on the
    /// job's resource, so the task need not look them up again (one catalog read per batch saved).
    /// A hint, not a promise: an entry registered since (a re-delivered task) is copied again over
    /// its stored copy, through a temporary name, and its catalog row updated, never duplicated.
    var entriesAreNew: Bool?
    /// For `path` tasks: set when the parent's task created the collection, so the listing has
    /// nothing in it to compare with or delete. Like `entriesAreNew`, a hint that only saves reads.
    var collectionIsNew: Bool?

    var directoryBytes: [UInt8] { rawDirectory.map(Array.init) ?? Array(directory.utf8) }

    init(
        spec: SyncSpec, directory: String, rawDirectory: Data? = nil, collection: String, entries: [FileEntry]?,
        ancestors: [EntryIdentity]? = nil
    ) {
        self.spec = spec
        self.directory = directory
        self.rawDirectory = rawDirectory
        self.collection = collection
        self.entries = entries
        self.ancestors = ancestors
    }

    private enum CodingKeys: String, CodingKey {
        case spec, directory, rawDirectory, collection, entries, ancestors, entriesAreNew, collectionIsNew, identity, partition
    }

    // Written out so that entries travel as an array of plain strings, which the JSON coders handle
    // in one pass, instead of one nested coder per entry (the same bytes on the wire as before).
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        spec = try container.decode(SyncSpec.self, forKey: .spec)
        directory = try container.decode(String.self, forKey: .directory)
        rawDirectory = try container.decodeIfPresent(Data.self, forKey: .rawDirectory)
        collection = try container.decode(String.self, forKey: .collection)
        if let texts = try container.decodeIfPresent([String].self, forKey: .entries) {
            var entries: [FileEntry] = []
            entries.reserveCapacity(texts.count)
            for text in texts {
                guard let entry = FileEntry(compact: text) else {
                    throw DecodingError.dataCorruptedError(forKey: .entries, in: container, debugDescription: "not a file entry: \(text)")
                }
                entries.append(entry)
            }
            self.entries = entries
        }
        ancestors = try container.decodeIfPresent([EntryIdentity].self, forKey: .ancestors)
        entriesAreNew = try container.decodeIfPresent(Bool.self, forKey: .entriesAreNew)
        collectionIsNew = try container.decodeIfPresent(Bool.self, forKey: .collectionIsNew)
        identity = try container.decodeIfPresent(EntryIdentity.self, forKey: .identity)
        partition = try container.decodeIfPresent(DirectoryPartition.self, forKey: .partition)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(spec, forKey: .spec)
        try container.encode(directory, forKey: .directory)
        try container.encodeIfPresent(rawDirectory, forKey: .rawDirectory)
        try container.encode(collection, forKey: .collection)
        try container.encodeIfPresent(entries?.map(\.compact), forKey: .entries)
        try container.encodeIfPresent(ancestors, forKey: .ancestors)
        try container.encodeIfPresent(entriesAreNew, forKey: .entriesAreNew)
        try container.encodeIfPresent(collectionIsNew, forKey: .collectionIsNew)
        try container.encodeIfPresent(identity, forKey: .identity)
        try container.encodeIfPresent(partition, forKey: .partition)
    }

    /// The display path of an entry of this directory (escaped where the bytes are not UTF-8).
    func sourcePath(_ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}

enum PayloadCoding {
    static func encode<T: Encodable>(_ value: T) -> Data {
        // Encoding plain structs of strings and integers cannot fail.
        (try? JSONEncoder().encode(value)) ?? Data()
    }

    static func decode<T: Decodable>(_ type: T.Type, from task: ClaimedTask) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: task.payload)
        } catch {
            throw PermanentTaskError(IngestError.corruptPayload(kind: task.kind, reason: "\(error)").description)
        }
    }

    /// `path` and `file` payloads travel in their binary form (`DirectoryTaskPayload+Binary`).
    static func encode(_ payload: DirectoryTaskPayload) -> Data {
        payload.binaryEncoded
    }

    static func decode(_ type: DirectoryTaskPayload.Type, from task: ClaimedTask) throws -> DirectoryTaskPayload {
        do {
            return try decodeDirectory(task.payload)
        } catch {
            throw PermanentTaskError(IngestError.corruptPayload(kind: task.kind, reason: "\(error)").description)
        }
    }

    /// A `path` or `file` payload in its binary form, or as JSON, as versions before it wrote them.
    static func decodeDirectory(_ data: Data) throws -> DirectoryTaskPayload {
        data.first == DirectoryTaskPayload.binaryMarker
            ? try DirectoryTaskPayload(binary: data)
            : try JSONDecoder().decode(DirectoryTaskPayload.self, from: data)
    }
}
