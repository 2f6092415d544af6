import Foundation
import IngestCore

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

/// For `path` tasks of a bucket: which page of the prefix's listing the task lists. A page's share of
/// the collection (for deletions) is the names after the previous page's last one up to its own last.
struct ListingPage: Codable, Sendable, Equatable {
    /// The source's cursor for this page; nil for the first page.
    var cursor: String?
    /// The listing key (`SourceEntry.listingKey`) of the previous page's last entry.
    var after: String?
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
    /// For `file` tasks of a job with a policy: what it decided for each entry (parallel to
    /// `entries`) beyond the operation, resource and retries, which the task's spec carries.
    var decisions: [EntryDecision]?
    /// For a single-entry `file` task whose hook failed: run the entry's hooks again even when its
    /// registration finds nothing to change (it was registered before the post hook failed).
    var rerunsHooks: Bool?
    /// For `path` tasks of a bucket after the first page of a prefix.
    var page: ListingPage?

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
        case spec, directory, rawDirectory, collection, entries, ancestors, entriesAreNew, collectionIsNew, identity, partition, decisions
        case rerunsHooks, page
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
        decisions = try container.decodeIfPresent([EntryDecision].self, forKey: .decisions)
        rerunsHooks = try container.decodeIfPresent(Bool.self, forKey: .rerunsHooks)
        page = try container.decodeIfPresent(ListingPage.self, forKey: .page)
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
        try container.encodeIfPresent(decisions, forKey: .decisions)
        try container.encodeIfPresent(rerunsHooks, forKey: .rerunsHooks)
        try container.encodeIfPresent(page, forKey: .page)
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
