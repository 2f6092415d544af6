import Foundation
import IngestCore
import NIOCore

/// A bucket prefix as a `Storage`: an object appears under its key only when its upload completes
/// (a single PUT, or a multipart upload that is aborted when it fails or is cut off).
public struct S3Storage: Storage {
    public let client: S3Client
    public let root: S3Path
    public let uploads: S3MultipartUploader.Configuration

    public init(client: S3Client, root: S3Path, uploads: S3MultipartUploader.Configuration = S3MultipartUploader.Configuration(computeSHA256: false)) {
        self.client = client
        self.root = root
        self.uploads = uploads
    }

    public var location: String { root.description }

    public func physicalPath(of key: String) -> String { location + "/" + key }

    func objectKey(_ key: String) -> String { root.prefix.isEmpty ? key : root.prefix + "/" + key }

    public func put(_ key: String, body: ByteChunks, size: Int64?, options: StorageWriteOptions) async throws -> StoredObject {
        if size.map({ $0 > Int64(uploads.partSize) }) ?? true {
            // A multipart upload of this key that a killed worker left: aborted now, as the write that
            // replaces it starts (one listing per large object).
            // Best effort: a key that may write but not list uploads still writes.
            _ = try? await abortUploads(under: objectKey(key)) { $0.key == objectKey(key) }
        }
        let hashing = CheckedChunks(body: body, algorithm: options.checksum, expectedSize: size)
        var configuration = uploads
        // Sent with a single-part object for the server to check and keep (`x-amz-checksum-sha256`);
        // `stat` reads it back, so `verify` needs no download.
        configuration.sendsSHA256 = options.checksum == .sha256
        let uploader = S3MultipartUploader(client: client, configuration: configuration)
        let stored = try await uploader.upload(bucket: root.bucket, key: objectKey(key), size: size, from: hashing.buffers())
        return StoredObject(size: stored.size, mtimeNanos: S3Source.nanos(Date()), checksum: hashing.checksum(), etag: stored.etag)
    }

    /// An object store has no append: the object is written again, its current bytes then the tail,
    /// streamed (never held), and replaces the old one only once complete.
    public func append(_ key: String, tail: ByteChunks, existingSize: Int64, options: StorageWriteOptions) async throws -> StoredObject {
        let current = existingSize > 0
            ? S3Source.chunks(of: try await client.getObject(bucket: root.bucket, key: objectKey(key), range: .bounded(0...(existingSize - 1))).body)
            : ByteChunks.of([])
        let joined = ByteChunks(unfolding: JoinedChunks(first: current, second: tail).next)
        return try await put(key, body: joined, size: nil, options: options)
    }

    public func stat(_ key: String) async throws -> StoredObject? {
        guard let info = try await client.headObject(bucket: root.bucket, key: objectKey(key)) else { return nil }
        return StoredObject(
            size: info.size, mtimeNanos: info.lastModified.map(S3Source.nanos) ?? 0, checksum: info.checksumSHA256.map { "sha2:" + $0 },
            etag: info.etag)
    }

    public func read(_ key: String) async throws -> ByteChunks {
        do {
            return S3Source.chunks(of: try await client.getObject(bucket: root.bucket, key: objectKey(key)).body)
        } catch S3Error.noSuchKey {
            throw EntryNotFound(location: physicalPath(of: key))
        }
    }

    public func remove(_ key: String) async throws {
        try await client.deleteObject(bucket: root.bucket, key: objectKey(key))
    }

    public func removeAbandonedWrites(olderThan age: Duration) async throws -> Int {
        let cutoff = Date().addingTimeInterval(-Double(age.components.seconds))
        return try await abortUploads(under: root.prefix.isEmpty ? nil : root.prefix + "/") { upload in (upload.initiated ?? .distantPast) < cutoff }
    }

    /// Aborts the multipart uploads of keys starting with `under` that `matches` picks.
    private func abortUploads(under: String?, where matches: (S3MultipartUpload) -> Bool) async throws -> Int {
        var aborted = 0
        for upload in try await client.listMultipartUploads(bucket: root.bucket, prefix: under) where matches(upload) {
            do {
                try await client.abortMultipartUpload(bucket: root.bucket, key: upload.key, uploadID: upload.uploadID)
                aborted += 1
            } catch S3Error.noSuchUpload {
                // Completed or aborted meanwhile.
            }
        }
        return aborted
    }

    /// Copied under the trash key, then deleted: S3 has no rename.
    public func trash(_ key: String, to trashKey: String) async throws {
        let from = S3ObjectID(bucket: root.bucket, key: objectKey(key))
        _ = try await client.copyObject(from: from, to: S3ObjectID(bucket: root.bucket, key: objectKey(trashKey)))
        try await client.deleteObject(bucket: root.bucket, key: from.key)
    }
}

/// A body passed through a checksum on its way to the uploader, failing at its end when it is not
/// the size it was announced as: the error reaches the uploader before its last part, so nothing
/// is stored.
private final class CheckedChunks: @unchecked Sendable {
    private var iterator: ByteChunks.AsyncIterator
    private var hasher: StreamingChecksum?
    private let expectedSize: Int64?
    private var count: Int64 = 0

    init(body: ByteChunks, algorithm: ChecksumAlgorithm?, expectedSize: Int64?) {
        iterator = body.makeAsyncIterator()
        hasher = algorithm.map(StreamingChecksum.init)
        self.expectedSize = expectedSize
    }

    /// Read once, in order, by the uploader.
    func buffers() -> AsyncThrowingStream<ByteBuffer, any Error> {
        AsyncThrowingStream(unfolding: { [self] in
            guard let chunk = try await iterator.next() else {
                if let expectedSize, expectedSize != count { throw S3UploadError.sizeMismatch(expected: expectedSize, actual: count) }
                return nil
            }
            count += Int64(chunk.count)
            hasher?.update(chunk)
            return ByteBuffer(bytes: chunk)
        })
    }

    func checksum() -> String? { hasher?.finalize() }
}

/// Two chunk streams one after the other.
private final class JoinedChunks: @unchecked Sendable {
    private var first: ByteChunks.AsyncIterator
    private var second: ByteChunks.AsyncIterator
    private var firstDone = false

    init(first: ByteChunks, second: ByteChunks) {
        self.first = first.makeAsyncIterator()
        self.second = second.makeAsyncIterator()
    }

    func next() async throws -> [UInt8]? {
        if !firstDone {
            if let chunk = try await first.next() { return chunk }
            firstDone = true
        }
        return try await second.next()
    }
}
