import Crypto
import IngestS3
import IngestTesting
import NIOCore
import Synchronization
import Testing

@Suite struct S3MultipartTests {
    struct InjectedFailure: Error {}

    @Test(arguments: ["moto", "rgw"]) func a64MiBStreamUploadsInPartsWithAFailedPartRetried(server: String) async throws {
        let source = PatternSource(size: 64 << 20)
        let attempts = Mutex<[Int: Int]>([:])
        let configuration = S3MultipartUploader.Configuration(partSize: 8 << 20, concurrency: 4) { part, attempt in
            attempts.withLock { $0[part] = attempt }
            if part == 3 && attempt == 1 { throw InjectedFailure() }
        }
        try await S3TestServer.named(server).withBucket("multipart-64") { (client: S3Client, bucket: String) async throws in
            let uploader = S3MultipartUploader(client: client, configuration: configuration)
            let result = try await uploader.upload(bucket: bucket, key: "big/object", size: Int64(source.size), from: source.chunks)
            #expect(attempts.withLock { $0[3] } == 2)
            #expect(attempts.withLock { $0.count } == 8)
            #expect(result.partCount == 8)
            #expect(result.size == Int64(source.size))
            #expect(result.sha256Hex == source.sha256Hex)
            #expect(result.etag == source.multipartETag(partSize: 8 << 20))
            let info = try #require(try await client.headObject(bucket: bucket, key: "big/object"))
            #expect(info.size == Int64(source.size))
            #expect(info.etag == result.etag)

            var hasher = SHA256()
            for try await chunk in try await client.getObject(bucket: bucket, key: "big/object").body {
                chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            }
            #expect(hex(hasher.finalize()) == source.sha256Hex)
        }
    }

    @Test(arguments: ["moto", "rgw"]) func aFailingSourceAbortsTheUploadAndLeavesNoObject(server: String) async throws {
        try await S3TestServer.named(server).withBucket("multipart-abort") { (client: S3Client, bucket: String) async throws in
            let uploader = S3MultipartUploader(client: client, configuration: .init(partSize: 5 << 20, concurrency: 2))
            var served = 0
            await #expect(throws: InjectedFailure.self) {
                _ = try await uploader.upload(bucket: bucket, key: "half") { max in
                    served += 1
                    if served > 12 { throw InjectedFailure() }
                    return PatternSource.chunk(served, length: min(max, PatternSource.chunkSize))
                }
            }
            #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty)
            #expect(try await client.headObject(bucket: bucket, key: "half") == nil)
        }
    }

    @Test func aSmallStreamGoesUpAsOnePut() async throws {
        try await S3TestServer.moto().withBucket("multipart-small") { (client: S3Client, bucket: String) async throws in
            let source = PatternSource(size: 100_000)
            let result = try await S3MultipartUploader(client: client).upload(bucket: bucket, key: "small", from: source.chunks)
            #expect(result.partCount == 1)
            #expect(result.sha256Hex == source.sha256Hex)
            #expect(try await client.headObject(bucket: bucket, key: "small")?.size == 100_000)
        }
    }

    @Test func anAnnouncedSizeThatTheStreamMissesFailsAndAborts() async throws {
        try await S3TestServer.moto().withBucket("multipart-size") { (client: S3Client, bucket: String) async throws in
            let source = PatternSource(size: 6 << 20)
            let uploader = S3MultipartUploader(client: client, configuration: .init(partSize: 5 << 20))
            await #expect(throws: S3UploadError.sizeMismatch(expected: 7 << 20, actual: 6 << 20)) {
                _ = try await uploader.upload(bucket: bucket, key: "short", size: 7 << 20, from: source.chunks)
            }
            #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty)
            #expect(try await client.headObject(bucket: bucket, key: "short") == nil)
        }
    }

    @Test(arguments: ["moto", "rgw"]) func theLowLevelCallsListPartsAndUploadsThenComplete(server: String) async throws {
        try await S3TestServer.named(server).withBucket("multipart-calls") { (client: S3Client, bucket: String) async throws in
            let id = try await client.createMultipartUpload(bucket: bucket, key: "assembled")
            let first = try await client.uploadPart(
                bucket: bucket, key: "assembled", uploadID: id, partNumber: 1, body: ByteBuffer(repeating: 1, count: 5 << 20))
            let second = try await client.uploadPart(bucket: bucket, key: "assembled", uploadID: id, partNumber: 2, body: ByteBuffer(string: "tail"))
            let uploads = try await client.listMultipartUploads(bucket: bucket, prefix: "assem")
            #expect(uploads.map(\.uploadID) == [id])
            #expect(uploads.first?.key == "assembled")
            let parts = try await client.listParts(bucket: bucket, key: "assembled", uploadID: id)
            #expect(parts.map(\.partNumber) == [1, 2])
            #expect(parts.map(\.etag) == [first, second])
            #expect(parts.map(\.size) == [5 << 20, 4])
            try await client.completeMultipartUpload(
                bucket: bucket, key: "assembled", uploadID: id,
                parts: [S3CompletedPart(partNumber: 1, etag: first), S3CompletedPart(partNumber: 2, etag: second)])
            #expect(try await client.headObject(bucket: bucket, key: "assembled")?.size == (5 << 20) + 4)
        }
    }

    @Test(arguments: ["moto", "rgw"]) func anAbortedUploadIsGoneAndNamedAsSuch(server: String) async throws {
        try await S3TestServer.named(server).withBucket("multipart-aborted") { (client: S3Client, bucket: String) async throws in
            let id = try await client.createMultipartUpload(bucket: bucket, key: "dropped")
            _ = try await client.uploadPart(bucket: bucket, key: "dropped", uploadID: id, partNumber: 1, body: ByteBuffer(string: "x"))
            try await client.abortMultipartUpload(bucket: bucket, key: "dropped", uploadID: id)
            let error = try await #require(throws: S3Error.self) { try await client.listParts(bucket: bucket, key: "dropped", uploadID: id) }
            #expect(error == .noSuchUpload(bucket: bucket, key: "dropped", uploadID: id, endpoint: client.endpoint.description))
            #expect(try await client.headObject(bucket: bucket, key: "dropped") == nil)
        }
    }
}

extension S3MultipartTests {
    @Test func aCancelledUploadIsAborted() async throws {
        try await S3TestServer.moto().withBucket("multipart-cancel") { (client: S3Client, bucket: String) async throws in
            let started = AsyncStream<Void>.makeStream()
            let uploader = S3MultipartUploader(
                client: client,
                configuration: .init(partSize: 5 << 20, concurrency: 2) { part, _ in
                    if part == 2 { started.continuation.yield() }
                })
            let upload = Task {
                try await uploader.upload(bucket: bucket, key: "cancelled", from: PatternSource(size: 200 << 20).chunks)
            }
            for await _ in started.stream { break }
            upload.cancel()
            await #expect(throws: (any Error).self) { _ = try await upload.value }
            #expect(try await client.listMultipartUploads(bucket: bucket).isEmpty)
            #expect(try await client.headObject(bucket: bucket, key: "cancelled") == nil)
        }
    }
}
