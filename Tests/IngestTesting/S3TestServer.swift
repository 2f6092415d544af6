import Foundation
import IngestS3
import Logging

/// The S3 servers `scripts/test` starts: moto (lenient, fast) and Ceph RGW (strict about
/// signatures, payload hashes and presigned URLs, like AWS).
public struct S3TestServer: Sendable {
    public let name: String
    public let endpoint: S3Endpoint
    public let credentials: S3Credentials

    /// moto: `INGEST_TEST_S3_URL`, `INGEST_TEST_S3_ACCESS_KEY`, `INGEST_TEST_S3_SECRET_KEY`, `INGEST_TEST_S3_REGION`.
    public static func moto() throws -> S3TestServer {
        try server(name: "moto", prefix: "INGEST_TEST_S3")
    }

    /// Ceph RGW: `INGEST_TEST_RGW_URL`, `INGEST_TEST_RGW_ACCESS_KEY`, `INGEST_TEST_RGW_SECRET_KEY`, `INGEST_TEST_RGW_REGION`.
    public static func rgw() throws -> S3TestServer {
        try server(name: "rgw", prefix: "INGEST_TEST_RGW")
    }

    /// By name, for tests parameterised over both servers.
    public static func named(_ name: String) throws -> S3TestServer {
        name == "rgw" ? try rgw() : try moto()
    }

    private static func server(name: String, prefix: String) throws -> S3TestServer {
        let endpoint = try S3Endpoint(url: TestServers.environment("\(prefix)_URL"), region: TestServers.environment("\(prefix)_REGION"))
        let credentials = S3Credentials(
            accessKeyID: try TestServers.environment("\(prefix)_ACCESS_KEY"), secretAccessKey: try TestServers.environment("\(prefix)_SECRET_KEY"))
        return S3TestServer(name: name, endpoint: endpoint, credentials: credentials)
    }

    /// A client for this server; shut it down after use.
    public func client(
        credentials: S3Credentials? = nil, configuration: S3Client.Configuration = S3Client.Configuration(),
        logger: Logger = Logger(label: "ingest.s3.test")
    ) throws -> S3Client {
        try S3Client(endpoint: endpoint, credentials: credentials ?? self.credentials, configuration: configuration, logger: logger)
    }

    /// A bucket no other test uses: `ingest-<label>-<random>`, lower-case and at most 63 characters.
    public static func uniqueBucketName(_ label: String) -> String {
        let cleaned = label.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        let suffix = UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
        return "ingest-\(String(cleaned).prefix(36))-\(suffix)"
    }

    /// Runs `body` with a fresh bucket and client, then empties and deletes the bucket (also after a failure).
    public func withBucket<T: Sendable>(
        _ label: String, configuration: S3Client.Configuration = S3Client.Configuration(),
        _ body: (S3Client, String) async throws -> T
    ) async throws -> T {
        let client = try client(configuration: configuration)
        let bucket = Self.uniqueBucketName(label)
        do {
            try await client.createBucket(bucket)
            let result = try await body(client, bucket)
            try await Self.removeBucket(bucket, client: client)
            try await client.shutdown()
            return result
        } catch {
            try? await Self.removeBucket(bucket, client: client)
            try? await client.shutdown()
            throw error
        }
    }

    public static func removeBucket(_ bucket: String, client: S3Client) async throws {
        for upload in try await client.listMultipartUploads(bucket: bucket) {
            try await client.abortMultipartUpload(bucket: bucket, key: upload.key, uploadID: upload.uploadID)
        }
        while true {
            let keys = try await client.listObjectsV2(bucket: bucket).objects.map(\.key)
            if keys.isEmpty { break }
            _ = try await client.deleteObjects(bucket: bucket, keys: keys)
        }
        try await client.deleteBucket(bucket)
    }
}
