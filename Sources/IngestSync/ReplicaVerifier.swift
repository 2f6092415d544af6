import Foundation
import IngestCore

/// Re-checks replicas against their files (`ingest verify`): the file must exist, have the
/// recorded size, and, when a checksum is stored, the same checksum.
public enum ReplicaVerifier {
    public struct Problem: Sendable, Codable, Equatable {
        public var object: String
        public var resource: String
        public var physicalPath: String
        public var problem: String
    }

    public struct Report: Sendable, Codable, Equatable {
        public var objects = 0
        public var replicasChecked = 0
        public var checksumsVerified = 0
        /// Stale replicas are known to be out of date and are not checked.
        public var staleSkipped = 0
        public var problems: [Problem] = []
    }

    /// Checks every good replica of every data object at or below `path`.
    /// - Parameter progress: called after each page with the report so far.
    /// - Parameters:
    ///   - objectStores: reads replicas in buckets (`s3://`): copies in s3 resources through the
    ///     resources' settings, objects registered in place with `s3Access`.
    public static func verify(
        path: String, catalog: any Catalog, objectStores: (any ObjectStores)? = nil, s3Access: S3Access = S3Access(),
        progress: (Report) -> Void = { _ in }
    ) async throws -> Report {
        var report = Report()
        var cursor: Int64?
        let buckets = ObjectChecker(roots: try await StoredCopies.objectStoreRoots(catalog: catalog), objectStores: objectStores, access: s3Access)
        repeat {
            let page = try await catalog.objects(under: path, after: cursor, limit: 500)
            for object in page.objects {
                report.objects += 1
                for replica in object.replicas {
                    guard replica.status == .good else {
                        report.staleSkipped += 1
                        continue
                    }
                    report.replicasChecked += 1
                    let problem = replica.physicalPath.hasPrefix("s3://")
                        ? await buckets.check(replica, report: &report) : check(replica, of: object, report: &report)
                    if let problem {
                        report.problems.append(Problem(
                            object: object.path, resource: replica.resource, physicalPath: replica.physicalPath, problem: problem))
                    }
                }
            }
            progress(report)
            cursor = page.cursor
        } while cursor != nil
        return report
    }

    private static func check(_ replica: Replica, of object: DataObject, report: inout Report) -> String? {
        let pathBytes = OddNames.physicalPathBytes(of: replica, metadata: object.metadata)
        let isLink = object.metadata.contains { $0.attribute == "link_target" }
        var info = stat()
        let result = (pathBytes + [0]).withUnsafeBufferPointer { name in
            name.withMemoryRebound(to: CChar.self) { isLink ? lstat($0.baseAddress!, &info) : stat($0.baseAddress!, &info) }
        }
        guard result == 0 else {
            return errno == ENOENT ? "missing: the file does not exist" : "unreadable: \(String(cString: strerror(errno)))"
        }
        guard Int64(info.st_size) == replica.size else {
            return "size differs: \(info.st_size) bytes on disk, \(replica.size) in the catalog"
        }
        guard let stored = replica.checksum, !isLink else { return nil }
        do {
            let found = try FileCopier.checksum(of: pathBytes, algorithm: StreamingChecksum.algorithm(of: stored))
            report.checksumsVerified += 1
            return found == stored ? nil : "checksum differs: \(found) on disk, \(stored) in the catalog"
        } catch {
            return "unreadable: \(error)"
        }
    }
}

/// Checks replicas that are objects in buckets: HEAD for the size, and the bytes read back for a
/// checksum (an MD5 checksum is compared with a single-part object's ETag without reading).
private struct ObjectChecker {
    let roots: [String: String]
    let objectStores: (any ObjectStores)?
    let access: S3Access

    func check(_ replica: Replica, report: inout ReplicaVerifier.Report) async -> String? {
        guard let objectStores else { return "unreadable: this ingest has no S3 client" }
        do {
            let size: Int64
            let etag: String?
            let read: () async throws -> ByteChunks
            if let root = roots[replica.resource], replica.physicalPath.hasPrefix(root + "/") {
                let storage = try await objectStores.storage(resource: replica.resource)
                let key = String(replica.physicalPath.dropFirst(root.count + 1))
                guard let stored = try await storage.stat(key) else { return "missing: the object does not exist" }
                (size, etag, read) = (stored.size, stored.etag, { try await storage.read(key) })
                if let kept = stored.checksum, let checksum = replica.checksum, StreamingChecksum.algorithm(of: checksum) == .sha256 {
                    // The server checked and kept the SHA-256 sent with the object: no read needed.
                    guard size == replica.size else { return "size differs: \(size) bytes stored, \(replica.size) in the catalog" }
                    report.checksumsVerified += 1
                    return kept == checksum ? nil : "checksum differs: \(kept) stored, \(checksum) in the catalog"
                }
            } else {
                guard let location = S3Path(parsing: replica.physicalPath), !location.prefix.isEmpty else {
                    return "unreadable: \(replica.physicalPath) names no object"
                }
                let source = try await objectStores.source(S3Path(bucket: location.bucket, prefix: ""), access: access)
                guard let entry = try await source.stat(location.prefix), entry.kind == .file else { return "missing: the object does not exist" }
                (size, etag, read) = (entry.size, entry.etag, { try await source.read(location.prefix) })
            }
            guard size == replica.size else { return "size differs: \(size) bytes stored, \(replica.size) in the catalog" }
            guard let checksum = replica.checksum else { return nil }
            let algorithm = StreamingChecksum.algorithm(of: checksum)
            let found: String
            if algorithm == .md5, let etag = etag.flatMap(StreamedEntry.md5Checksum) {
                found = etag
            } else {
                found = try await StreamedEntry.checksum(of: read(), algorithm: algorithm)
            }
            report.checksumsVerified += 1
            return found == checksum ? nil : "checksum differs: \(found) stored, \(checksum) in the catalog"
        } catch {
            return "unreadable: \(error)"
        }
    }
}
