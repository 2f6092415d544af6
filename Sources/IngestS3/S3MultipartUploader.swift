import Crypto
import Logging
import NIOCore

/// Uploads a stream of any size as a multipart upload: parts in parallel, bounded memory, a
/// failed part retried, and the upload aborted on failure or cancellation so that no half
/// object and no orphan parts are left behind.
///
/// At most `concurrency + 1` part buffers exist at once: `concurrency` being sent and one being
/// read from the source. A stream that fits in one part goes up as a single PUT.
public struct S3MultipartUploader: Sendable {
    public static let minimumPartSize = 5 << 20

    public struct Configuration: Sendable {
        /// Bytes per part; at least 5 MiB (S3's minimum), raised when 10,000 parts would not hold the size.
        public var partSize: Int
        /// Parts sent at once.
        public var concurrency: Int
        /// Attempts per part, the first included, on top of the client's own retries of each request.
        public var partAttempts: Int
        /// Hash the whole stream with SHA-256 as it is read.
        public var computeSHA256: Bool
        /// Send a single-part object's SHA-256 (`x-amz-checksum-sha256`) for the server to check and keep.
        public var sendsSHA256 = false
        public var contentType: String?
        public var metadata: [String: String]
        /// Called before every attempt of every part; an error it throws fails that attempt.
        /// For tests that need a part to fail.
        public var beforePartAttempt: (@Sendable (_ partNumber: Int, _ attempt: Int) async throws -> Void)?

        public init(
            partSize: Int = 8 << 20, concurrency: Int = 4, partAttempts: Int = 3, computeSHA256: Bool = true, contentType: String? = nil,
            metadata: [String: String] = [:],
            beforePartAttempt: (@Sendable (_ partNumber: Int, _ attempt: Int) async throws -> Void)? = nil
        ) {
            self.partSize = max(partSize, S3MultipartUploader.minimumPartSize)
            self.concurrency = max(1, concurrency)
            self.partAttempts = max(1, partAttempts)
            self.computeSHA256 = computeSHA256
            self.contentType = contentType
            self.metadata = metadata
            self.beforePartAttempt = beforePartAttempt
        }
    }

    /// What was stored.
    public struct Result: Sendable, Equatable {
        /// Without quotes; for a multipart object, `md5-of-part-md5s-N`.
        public var etag: String
        public var size: Int64
        /// Hex SHA-256 of the whole stream (not S3's composite checksum of parts), when computed.
        public var sha256Hex: String?
        /// 1 for a single PUT.
        public var partCount: Int
    }

    public let client: S3Client
    public let configuration: Configuration

    public init(client: S3Client, configuration: Configuration = Configuration()) {
        self.client = client
        self.configuration = configuration
    }

    /// Uploads what `read` yields until it returns nil.
    /// - Parameters:
    ///   - size: The total, when known: checked at the end, and used to keep within 10,000 parts.
    ///   - read: Returns up to `max` bytes, or nil at the end; called from one task, in order.
    public func upload(
        bucket: String, key: String, size: Int64? = nil, read: @escaping (_ max: Int) async throws -> ByteBuffer?
    ) async throws -> Result {
        var partSize = configuration.partSize
        if let size { partSize = max(partSize, Int((size + 9_999) / 10_000)) }
        var source = PartReader(read: read, partSize: partSize, hashing: configuration.computeSHA256)

        let first = try await source.nextPart()
        if source.finished {
            let body = first ?? ByteBuffer()
            let etag = try await client.putObject(
                bucket: bucket, key: key, body: body, contentType: configuration.contentType, metadata: configuration.metadata,
                checksumSHA256: configuration.sendsSHA256 ? S3Checksum.sha256Base64(body.readableBytesView) : nil)
            return try finish(etag: etag, source: source, expected: size, parts: 1)
        }
        let uploadID = try await client.createMultipartUpload(
            bucket: bucket, key: key, contentType: configuration.contentType, metadata: configuration.metadata)
        do {
            let parts = try await uploadParts(bucket: bucket, key: key, uploadID: uploadID, first: first!, source: &source)
            if let size, source.total != size { throw S3UploadError.sizeMismatch(expected: size, actual: source.total) }
            var etag = try await client.completeMultipartUpload(bucket: bucket, key: key, uploadID: uploadID, parts: parts)
            if etag.isEmpty { etag = try await client.headObject(bucket: bucket, key: key)?.etag ?? "" }
            return try finish(etag: etag, source: source, expected: nil, parts: parts.count)
        } catch {
            await abort(bucket: bucket, key: key, uploadID: uploadID, after: error)
            throw error
        }
    }

    /// Uploads an async sequence of chunks of any sizes.
    public func upload<Source: AsyncSequence>(bucket: String, key: String, size: Int64? = nil, from source: Source) async throws -> Result
    where Source.Element == ByteBuffer {
        var iterator = source.makeAsyncIterator()
        var pending: ByteBuffer?
        return try await upload(bucket: bucket, key: key, size: size) { max in
            if pending == nil || pending!.readableBytes == 0 { pending = try await iterator.next() }
            guard var chunk = pending else { return nil }
            let slice = chunk.readSlice(length: min(max, chunk.readableBytes))
            pending = chunk
            return slice
        }
    }

    private func uploadParts(
        bucket: String, key: String, uploadID: String, first: ByteBuffer, source: inout PartReader
    ) async throws -> [S3CompletedPart] {
        try await withThrowingTaskGroup(of: S3CompletedPart.self) { group in
            var completed: [S3CompletedPart] = []
            var inFlight = 0
            var partNumber = 0
            var next: ByteBuffer? = first
            while let part = next {
                partNumber += 1
                guard partNumber <= 10_000 else { throw S3UploadError.tooManyParts(partSize: source.partSize) }
                if inFlight == configuration.concurrency, let done = try await group.next() {
                    completed.append(done)
                    inFlight -= 1
                }
                let number = partNumber
                group.addTask { try await self.uploadPart(bucket: bucket, key: key, uploadID: uploadID, number: number, body: part) }
                inFlight += 1
                next = source.finished ? nil : try await source.nextPart()
            }
            for try await done in group { completed.append(done) }
            return completed.sorted { $0.partNumber < $1.partNumber }
        }
    }

    private func uploadPart(bucket: String, key: String, uploadID: String, number: Int, body: ByteBuffer) async throws -> S3CompletedPart {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await configuration.beforePartAttempt?(number, attempt)
                let etag = try await client.uploadPart(bucket: bucket, key: key, uploadID: uploadID, partNumber: number, body: body)
                return S3CompletedPart(partNumber: number, etag: etag)
            } catch {
                if error is CancellationError || attempt >= configuration.partAttempts { throw error }
                if let s3Error = error as? S3Error, !s3Error.isRetryable { throw error }
                client.logger.debug(
                    "S3 part upload will be retried", metadata: ["s3.part": "\(number)", "s3.attempt": "\(attempt)", "s3.error": "\(error)"])
                try await Task.sleep(for: client.configuration.retry.delay(afterAttempt: attempt, random: Double.random(in: 0..<1)))
            }
        }
    }

    /// Aborts in a task of its own: the failing task may be cancelled, and a cancelled task's
    /// requests fail at once, which would leave the parts behind.
    private func abort(bucket: String, key: String, uploadID: String, after error: any Error) async {
        let client = client
        let aborted = Task {
            try await client.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
        }
        do {
            try await aborted.value
        } catch let abortError {
            client.logger.warning(
                "S3 multipart upload could not be aborted; list and abort it later",
                metadata: ["s3.upload": "\(uploadID)", "s3.key": "\(key)", "s3.error": "\(abortError)", "s3.cause": "\(error)"])
        }
    }

    private func finish(etag: String, source: PartReader, expected: Int64?, parts: Int) throws -> Result {
        if let expected, source.total != expected { throw S3UploadError.sizeMismatch(expected: expected, actual: source.total) }
        return Result(etag: etag, size: source.total, sha256Hex: source.hasher.map { $0.finalize().hexString }, partCount: parts)
    }
}

/// Fills part-sized buffers from a reader, hashing as it goes.
private struct PartReader {
    let read: (_ max: Int) async throws -> ByteBuffer?
    let partSize: Int
    var hasher: SHA256?
    var total: Int64 = 0
    /// The source returned nil: the last part has been read.
    var finished = false

    init(read: @escaping (_ max: Int) async throws -> ByteBuffer?, partSize: Int, hashing: Bool) {
        self.read = read
        self.partSize = partSize
        self.hasher = hashing ? SHA256() : nil
    }

    /// The next part: full-sized unless it is the last; nil when nothing was left.
    mutating func nextPart() async throws -> ByteBuffer? {
        var part = ByteBuffer()
        part.reserveCapacity(partSize)
        while part.readableBytes < partSize {
            guard var chunk = try await read(partSize - part.readableBytes) else {
                finished = true
                break
            }
            if chunk.readableBytes > partSize - part.readableBytes {
                throw S3UploadError.readerOverran(asked: partSize - part.readableBytes, got: chunk.readableBytes)
            }
            part.writeBuffer(&chunk)
        }
        guard part.readableBytes > 0 else { return finished ? nil : part }
        part.withUnsafeReadableBytes { hasher?.update(bufferPointer: $0) }
        total += Int64(part.readableBytes)
        return part
    }
}

/// A stream that did not match what the upload was told.
public enum S3UploadError: Error, Equatable, CustomStringConvertible, Sendable {
    case sizeMismatch(expected: Int64, actual: Int64)
    case tooManyParts(partSize: Int)
    case readerOverran(asked: Int, got: Int)

    public var description: String {
        switch self {
        case .sizeMismatch(let expected, let actual):
            return "the upload's source yielded \(actual) bytes, not the \(expected) announced (did the file change while it was read?)"
        case .tooManyParts(let partSize):
            return "the upload needs more than 10,000 parts of \(partSize) bytes; raise the part size (--s3_multipart_chunksize_in_mib)"
        case .readerOverran(let asked, let got):
            return "the upload's source returned \(got) bytes when asked for at most \(asked)"
        }
    }
}
