/// How a `Storage` writes an object.
public struct StorageWriteOptions: Sendable, Equatable {
    /// Computed while the bytes stream past and returned in `StoredObject.checksum`; stores that keep
    /// checksums (S3's `x-amz-checksum-sha256`) are given it too.
    public var checksum: ChecksumAlgorithm?
    /// The source's modification time, kept where the store can keep one (a vault file's mtime).
    public var mtimeNanos: Int64?

    public init(checksum: ChecksumAlgorithm? = nil, mtimeNanos: Int64? = nil) {
        self.checksum = checksum
        self.mtimeNanos = mtimeNanos
    }
}

/// What a storage holds under a key.
public struct StoredObject: Sendable, Equatable {
    public var size: Int64
    /// A vault file's mtime, an object's LastModified; nanoseconds since the epoch.
    public var mtimeNanos: Int64
    /// The checksum computed while writing (`sha2:BASE64` or MD5 hex), when one was asked for.
    public var checksum: String?
    /// An object store's entity tag, without quotes.
    public var etag: String?

    public init(size: Int64, mtimeNanos: Int64, checksum: String? = nil, etag: String? = nil) {
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.checksum = checksum
        self.etag = etag
    }
}

/// Where copies go: a vault directory or a bucket. Keys are relative paths joined by `/`.
///
/// Every implementation keeps one rule: an object becomes visible under its key only once it is
/// complete. A write cut off (an error, a cancelled task, a killed worker) leaves the key as it was.
public protocol Storage: Sendable {
    /// The storage's root as replicas record it (`/data/vault`, `s3://bucket/prefix`).
    var location: String { get }

    /// The physical path a replica stored under `key` records.
    func physicalPath(of key: String) -> String

    /// Writes `body` under `key`, replacing what was there once complete.
    /// - Parameter size: the body's length when known (a store may need it up front, or use it to pick
    ///   how to upload); the write fails if the body turns out to differ.
    func put(_ key: String, body: ByteChunks, size: Int64?, options: StorageWriteOptions) async throws -> StoredObject

    /// Adds `tail` to the object under `key`, which holds `existingSize` bytes the caller knows to be
    /// current; returns the whole object. The checksum, when asked for, is that of the whole object.
    func append(_ key: String, tail: ByteChunks, existingSize: Int64, options: StorageWriteOptions) async throws -> StoredObject

    /// What is under `key` now; nil when nothing is.
    func stat(_ key: String) async throws -> StoredObject?

    /// The bytes under `key`.
    func read(_ key: String) async throws -> ByteChunks

    /// Removes what is under `key`; nothing there is not an error.
    func remove(_ key: String) async throws

    /// Moves what is under `key` to `trashKey` (replacing what was there), so TRASH keeps the bytes.
    func trash(_ key: String, to trashKey: String) async throws

    /// Removes what writes cut off at least `age` ago left behind (the parts of a multipart upload a
    /// killed worker never finished), which no key shows but the store keeps.
    /// - Returns: how many were removed.
    func removeAbandonedWrites(olderThan age: Duration) async throws -> Int
}

extension Storage {
    /// Stores whose cut-off writes leave nothing (a vault's unnamed files) have nothing to remove.
    public func removeAbandonedWrites(olderThan age: Duration) async throws -> Int { 0 }
}

extension ByteChunks {
    /// A stream of `bytes` in chunks of at most `chunkSize`.
    public static func of(_ bytes: [UInt8], chunkSize: Int = 1 << 20) -> ByteChunks {
        let step = Swift.max(1, chunkSize)
        let chunks = stride(from: 0, to: bytes.count, by: step).map { Array(bytes[$0..<Swift.min(bytes.count, $0 + step)]) }
        return ByteChunks { continuation in
            for chunk in chunks { continuation.yield(chunk) }
            continuation.finish()
        }
    }

    /// Every chunk joined: for small entries and tests, never for data of unknown size.
    public func collected() async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in self { bytes += chunk }
        return bytes
    }
}
