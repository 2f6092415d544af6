/// Bytes of one entry, pulled chunk by chunk by whoever consumes them: a slow writer slows the
/// reader, so a copy holds a bounded number of chunks in memory whatever the entry's size.
public typealias ByteChunks = AsyncThrowingStream<[UInt8], any Error>

/// One child of a listed directory (a directory of a file system, a `/`-delimited prefix of a bucket).
public struct SourceEntry: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case file, directory
    }

    /// The child's name: one path component, never holding `/`.
    public var name: String
    public var kind: Kind
    /// Bytes of a file; 0 for a directory.
    public var size: Int64
    /// Last modification, in nanoseconds since the epoch (an object's LastModified); 0 when unknown.
    public var mtimeNanos: Int64
    /// An object store's entity tag, without quotes; nil for files of a file system.
    public var etag: String?

    public init(name: String, kind: Kind, size: Int64 = 0, mtimeNanos: Int64 = 0, etag: String? = nil) {
        self.name = name
        self.kind = kind
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.etag = etag
    }

    /// Where the entry falls in a listing: names in byte order, a directory as its name and `/`,
    /// which is the order an object store lists keys and common prefixes in.
    public var listingKey: [UInt8] { kind == .directory ? Array(name.utf8) + [UInt8(ascii: "/")] : Array(name.utf8) }
}

/// One page of a listing.
public struct SourcePage: Sendable, Equatable {
    public var entries: [SourceEntry]
    /// Where the next page starts; nil on the last page.
    public var cursor: String?

    public init(entries: [SourceEntry], cursor: String?) {
        self.entries = entries
        self.cursor = cursor
    }
}

/// Where a sync reads from: a directory tree or a bucket. Paths are relative to the source's root,
/// components joined by `/`, `""` for the root itself.
///
/// A listing is paged with an opaque cursor kept in a task's payload, so a directory of millions of
/// entries is listed by many tasks, each holding one page; entries come in `listingKey` order.
public protocol Source: Sendable {
    /// The root, as users and replicas spell it (`/data/run1`, `s3://bucket/prefix`).
    var location: String { get }

    /// Up to about `limit` children of `directory`, starting where `cursor` (from the previous page) says.
    func list(_ directory: String, cursor: String?, limit: Int) async throws -> SourcePage

    /// The entry at `path` as it is now; nil when nothing is there.
    func stat(_ path: String) async throws -> SourceEntry?

    /// The bytes of the file at `path`. A file that is gone fails, naming the path.
    func read(_ path: String) async throws -> ByteChunks

    /// The path a replica registered in place records for `path` (`/data/run1/a.txt`, `s3://bucket/prefix/a.txt`).
    func physicalPath(of path: String) -> String
}

/// An entry a source or storage was asked for is not there.
public struct EntryNotFound: Error, CustomStringConvertible, Equatable {
    public var location: String

    public init(location: String) { self.location = location }

    public var description: String { "\(location) does not exist" }
}

extension Source {
    /// `physicalPath(of:)` for sources whose paths join their root with `/`.
    public static func join(_ root: String, _ path: String) -> String {
        guard !path.isEmpty else { return root }
        return root.hasSuffix("/") ? root + path : root + "/" + path
    }
}
