import Foundation
import IngestCore
import NIOCore

/// A bucket prefix as a `Source`: a directory is a `/`-delimited prefix, a page is one
/// `ListObjectsV2` request, and the cursor is its continuation token.
public struct S3Source: Source {
    public let client: S3Client
    public let root: S3Path

    public init(client: S3Client, root: S3Path) {
        self.client = client
        self.root = root
    }

    public var location: String { root.description }

    public func physicalPath(of path: String) -> String { Self.join(location, path) }

    /// The key of `path` under the root prefix.
    func key(of path: String) -> String {
        [root.prefix, path].filter { !$0.isEmpty }.joined(separator: "/")
    }

    public func list(_ directory: String, cursor: String?, limit: Int) async throws -> SourcePage {
        let directoryKey = key(of: directory)
        let prefix = directoryKey.isEmpty ? "" : directoryKey + "/"
        let page = try await client.listObjectsV2(
            bucket: root.bucket, prefix: prefix, delimiter: "/", continuationToken: cursor, maxKeys: max(1, limit))
        var entries: [SourceEntry] = []
        entries.reserveCapacity(page.objects.count + page.commonPrefixes.count)
        for object in page.objects where object.key.hasPrefix(prefix) {
            // The prefix's own "directory marker" object (`a/b/`, made by consoles) is no entry.
            let name = String(object.key.dropFirst(prefix.count))
            if name.isEmpty { continue }
            entries.append(SourceEntry(
                name: name, kind: .file, size: object.size, mtimeNanos: Self.nanos(object.lastModified), etag: object.etag))
        }
        for common in page.commonPrefixes where common.hasPrefix(prefix) && common.hasSuffix("/") {
            entries.append(SourceEntry(name: String(common.dropFirst(prefix.count).dropLast()), kind: .directory))
        }
        entries.sort { $0.listingKey.lexicographicallyPrecedes($1.listingKey) }
        return SourcePage(entries: entries, cursor: page.isTruncated ? page.nextContinuationToken : nil)
    }

    public func stat(_ path: String) async throws -> SourceEntry? {
        let key = key(of: path)
        let name = String(path.split(separator: "/").last ?? "")
        if let info = try await client.headObject(bucket: root.bucket, key: key) {
            return SourceEntry(name: name, kind: .file, size: info.size, mtimeNanos: info.lastModified.map(Self.nanos) ?? 0, etag: info.etag)
        }
        let under = try await client.listObjectsV2(bucket: root.bucket, prefix: key.isEmpty ? "" : key + "/", maxKeys: 1)
        return under.objects.isEmpty && under.commonPrefixes.isEmpty ? nil : SourceEntry(name: name, kind: .directory)
    }

    public func read(_ path: String) async throws -> ByteChunks {
        do {
            return Self.chunks(of: try await client.getObject(bucket: root.bucket, key: key(of: path)).body)
        } catch S3Error.noSuchKey {
            throw EntryNotFound(location: physicalPath(of: path))
        }
    }

    /// An object body as byte chunks, pulled as they are consumed.
    static func chunks(of body: S3ObjectBody) -> ByteChunks {
        let iterator = IteratorBox(body.makeAsyncIterator())
        return ByteChunks(unfolding: {
            guard var buffer = try await iterator.next() else { return nil }
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        })
    }

    static func nanos(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000_000).rounded())
    }
}

/// The iterator of a body, called by one consumer at a time (a chunk stream pulls in order).
private final class IteratorBox: @unchecked Sendable {
    private var iterator: S3ObjectBody.AsyncIterator

    init(_ iterator: S3ObjectBody.AsyncIterator) { self.iterator = iterator }

    func next() async throws -> ByteBuffer? { try await iterator.next() }
}
