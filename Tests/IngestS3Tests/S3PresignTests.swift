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

/// The signer alone, against the strict server: a header-signed request passes, the same request
/// with one signed header changed after signing does not.
@Suite struct SigV4SignerServerTests {
    @Test func aSignedRequestIsAcceptedAndATamperedOneRefused() async throws {
        let server = try S3TestServer.rgw()
        try await server.withBucket("signed") { (client: S3Client, bucket: String) async throws in
            try await client.putObject(bucket: bucket, key: "k", bytes: Array("signed".utf8))
            let signer = SigV4Signer(credentials: server.credentials, region: server.endpoint.region)
            let location = server.endpoint.location(bucket: bucket, key: "k")
            let headers = signer.sign(
                SigV4Request(method: "GET", path: location.path, headers: [("host", location.authority), ("range", "bytes=0-2")]),
                payload: .empty, date: Date())

            func send(_ headers: [(name: String, value: String)]) async throws -> (UInt, String) {
                var request = HTTPClientRequest(url: location.url())
                for header in headers { request.headers.add(name: header.name, value: header.value) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                return (response.status.code, String(buffer: try await response.body.collect(upTo: 1 << 20)))
            }
            let accepted = try await send(headers)
            #expect(accepted.0 == 206)
            #expect(accepted.1 == "sig")
            let tampered = headers.map { $0.name == "range" ? (name: "range", value: "bytes=0-5") : $0 }
            let refused = try await send(tampered)
            #expect(refused.0 == 403)
            #expect(refused.1.contains("SignatureDoesNotMatch"))
        }
    }
}
