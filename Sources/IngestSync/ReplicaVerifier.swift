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
    public static func verify(path: String, catalog: any Catalog, progress: (Report) -> Void = { _ in }) async throws -> Report {
        var report = Report()
        var cursor: Int64?
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
                    if let problem = check(replica, of: object, report: &report) {
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
