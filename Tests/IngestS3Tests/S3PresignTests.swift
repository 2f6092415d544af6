import AsyncHTTPClient
import Foundation
import IngestS3
import IngestTesting
import NIOCore
import Testing

/// Presigned URLs, checked on Ceph RGW: moto cannot check them (it accepts any, or fails with auth on).
@Suite struct S3PresignTests {
    static func fetch(_ url: String) async throws -> (status: UInt, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status.code, String(buffer: body))
    }

    @Test func aPresignedGetDownloadsWithoutCredentials() async throws {
        try await S3TestServer.rgw().withBucket("presign") { (client: S3Client, bucket: String) async throws in
            try await client.putObject(bucket: bucket, key: "shared/report 1+1.txt", bytes: Array("for your eyes".utf8))
            let url = client.presignedURL(bucket: bucket, key: "shared/report 1+1.txt", expires: 300)
            let answer = try await Self.fetch(url)
            #expect(answer.status == 200)
            #expect(answer.body == "for your eyes")
        }
    }

    @Test func aTamperedPresignedURLIsRefused() async throws {
        try await S3TestServer.rgw().withBucket("presign-tampered") { (client: S3Client, bucket: String) async throws in
            try await client.putObject(bucket: bucket, key: "a", bytes: [1])
            try await client.putObject(bucket: bucket, key: "b", bytes: [2])
            let url = client.presignedURL(bucket: bucket, key: "a", expires: 300)
            let otherKey = url.replacingOccurrences(of: "/\(bucket)/a?", with: "/\(bucket)/b?")
            #expect(otherKey != url)
            #expect(try await Self.fetch(otherKey).status == 403)
            let longer = url.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=3000")
            #expect(try await Self.fetch(longer).status == 403)
        }
    }

    @Test func anUnsignedRequestIsRefused() async throws {
        try await S3TestServer.rgw().withBucket("anonymous") { (client: S3Client, bucket: String) async throws in
            try await client.putObject(bucket: bucket, key: "private", bytes: [1])
            #expect(try await Self.fetch("\(client.endpoint)/\(bucket)/private").status == 403)
        }
    }
}
