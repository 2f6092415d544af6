import IngestS3
import IngestTesting
import Testing

@Suite struct S3ListingTests {
    /// 2,500 keys: 2,000 under `data/` in four sub-prefixes and 500 at the top level.
    static let keys: [String] =
        (0..<2000).map { String(format: "data/part-%d/file-%04d", $0 % 4, $0) } + (0..<500).map { String(format: "top-%04d", $0) }

    static func fill(_ client: S3Client, _ bucket: String) async throws {
        try await concurrentForEach(keys, width: 24) { key in try await client.putObject(bucket: bucket, key: key, bytes: []) }
    }

    static func listAll(
        _ client: S3Client, _ bucket: String, prefix: String? = nil, delimiter: String? = nil, maxKeys: Int? = nil
    ) async throws -> (keys: [String], prefixes: [String], pages: Int) {
        var keys: [String] = []
        var prefixes: [String] = []
        var token: String?
        var pages = 0
        repeat {
            let page = try await client.listObjectsV2(
                bucket: bucket, prefix: prefix, delimiter: delimiter, continuationToken: token, maxKeys: maxKeys)
            keys += page.objects.map(\.key)
            prefixes += page.commonPrefixes
            pages += 1
            token = page.isTruncated ? page.nextContinuationToken : nil
            if page.isTruncated { #expect(token != nil) }
        } while token != nil && pages < 100
        return (keys, prefixes, pages)
    }

    @Test(arguments: ["moto", "rgw"]) func twoThousandFiveHundredKeysListAcrossPagesAndPrefixes(server: String) async throws {
        try await S3TestServer.named(server).withBucket("list-2500") { (client: S3Client, bucket: String) async throws in
            try await Self.fill(client, bucket)

            let all = try await Self.listAll(client, bucket, maxKeys: 1000)
            #expect(all.keys == Self.keys.sorted())
            #expect(all.pages == 3)

            let topLevel = try await Self.listAll(client, bucket, delimiter: "/")
            #expect(topLevel.prefixes == ["data/"])
            #expect(topLevel.keys.count == 500)

            let parts = try await Self.listAll(client, bucket, prefix: "data/", delimiter: "/")
            #expect(parts.prefixes == ["data/part-0/", "data/part-1/", "data/part-2/", "data/part-3/"])
            #expect(parts.keys.isEmpty)

            let one = try await Self.listAll(client, bucket, prefix: "data/part-2/", maxKeys: 300)
            #expect(one.keys == Self.keys.filter { $0.hasPrefix("data/part-2/") }.sorted())
            #expect(one.pages == 2)
        }
    }

    @Test func startAfterSkipsTheKeysBefore() async throws {
        try await S3TestServer.moto().withBucket("start-after") { (client: S3Client, bucket: String) async throws in
            for key in ["a", "b", "c"] { try await client.putObject(bucket: bucket, key: key, bytes: []) }
            #expect(try await client.listObjectsV2(bucket: bucket, startAfter: "a").objects.map(\.key) == ["b", "c"])
        }
    }

    @Test func prefixesArePagedOneAtATime() async throws {
        try await S3TestServer.rgw().withBucket("prefix-paging") { (client: S3Client, bucket: String) async throws in
            for key in ["x/1", "y/1", "z/1"] { try await client.putObject(bucket: bucket, key: key, bytes: []) }
            let listed = try await Self.listAll(client, bucket, delimiter: "/", maxKeys: 1)
            #expect(listed.prefixes == ["x/", "y/", "z/"])
            #expect(listed.pages == 3)
        }
    }

    @Test func listingObjectsGivesSizeDateAndETag() async throws {
        try await S3TestServer.moto().withBucket("list-fields") { (client: S3Client, bucket: String) async throws in
            let etag = try await client.putObject(bucket: bucket, key: "f", bytes: Array(repeating: 1, count: 17))
            let object = try #require(try await client.listObjectsV2(bucket: bucket).objects.first)
            #expect(object.size == 17)
            #expect(object.etag == etag)
            #expect(abs(object.lastModified.timeIntervalSinceNow) < 300)
        }
    }
}
