import Foundation
import IngestCore
import IngestS3
import IngestSync
import NIOCore

/// A `Source` under test with a way to put entries into it: the source suites run unchanged against
/// every implementation.
public struct SourceSubject: Sendable {
    public let source: any Source
    /// Creates a file at `path` (a path relative to the source's root; parents are made) holding `bytes`.
    public let write: @Sendable (_ path: String, _ bytes: [UInt8]) async throws -> Void
    /// Removes the file at `path`.
    public let remove: @Sendable (_ path: String) async throws -> Void
}

/// Every `Source` implementation, for `@Test(arguments: SourceFactory.allCases)`.
public enum SourceFactory: String, CaseIterable, Sendable, CustomStringConvertible {
    case posix
    /// A prefix of a bucket of the moto server, and of the Ceph RGW server (strict, like AWS).
    case s3Moto, s3RGW

    public var description: String { rawValue }

    public func withSource(_ body: (SourceSubject) async throws -> Void) async throws {
        switch self {
        case .posix:
            let directory = try TemporaryDirectory()
            let root = directory.path
            let subject = SourceSubject(
                source: POSIXSource(root: root),
                write: { path, bytes in
                    let full = root + "/" + path
                    try FileManager.default.createDirectory(
                        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try Data(bytes).write(to: URL(fileURLWithPath: full))
                },
                remove: { path in try FileManager.default.removeItem(atPath: root + "/" + path) })
            try await body(subject)
            _ = directory.path
        case .s3Moto, .s3RGW:
            let server = self == .s3Moto ? try S3TestServer.moto() : try S3TestServer.rgw()
            try await server.withBucket("source") { client, bucket in
                // Under a prefix, so that the source's root is not the bucket's.
                let root = S3Path(bucket: bucket, prefix: "data/run 1")
                let subject = SourceSubject(
                    source: S3Source(client: client, root: root),
                    write: { path, bytes in _ = try await client.putObject(bucket: bucket, key: root.prefix + "/" + path, body: ByteBuffer(bytes: bytes)) },
                    remove: { path in try await client.deleteObject(bucket: bucket, key: root.prefix + "/" + path) })
                try await body(subject)
            }
        }
    }
}

/// Every `Storage` implementation, for `@Test(arguments: StorageFactory.allCases)`.
public enum StorageFactory: String, CaseIterable, Sendable, CustomStringConvertible {
    case vault
    /// A prefix of a bucket of the moto server, and of the Ceph RGW server.
    case s3Moto, s3RGW

    public var description: String { rawValue }

    public func withStorage(_ body: (any Storage) async throws -> Void) async throws {
        switch self {
        case .vault:
            let directory = try TemporaryDirectory()
            try await body(VaultStorage(root: directory.path + "/vault"))
            _ = directory.path
        case .s3Moto, .s3RGW:
            let server = self == .s3Moto ? try S3TestServer.moto() : try S3TestServer.rgw()
            try await server.withBucket("storage") { client, bucket in
                try await body(S3Storage(client: client, root: S3Path(bucket: bucket, prefix: "vault")))
            }
        }
    }
}
