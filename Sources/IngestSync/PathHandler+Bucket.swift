import Foundation
import IngestCore

/// Listing keys after one key up to and including another (`nil`: unbounded): the share of a
/// collection one page of a bucket listing covers.
struct ClosedRangeOfKeys: Sendable, Equatable {
    var after: [UInt8]?
    var through: [UInt8]?

    init(after: String?, through: [UInt8]?) {
        self.after = after.map { Array($0.utf8) }
        self.through = through
    }

    func contains(_ key: [UInt8]) -> Bool {
        if let after, !after.lexicographicallyPrecedes(key) { return false }
        if let through, through.lexicographicallyPrecedes(key) { return false }
        return true
    }
}

extension PathHandler {
    /// How many entries one page of a bucket listing asks for (S3's own limit per request).
    static let bucketPageSize = 1000

    /// Lists this task's page of the prefix that `payload.directory` names in `bucket`.
    func listPage(of bucket: S3Path, payload: DirectoryTaskPayload) async throws -> SourcePage {
        let source = try await bucketSource(bucket, spec: payload.spec)
        return try await source.list(Self.relativePath(of: payload.directory, root: payload.spec.source), cursor: payload.page?.cursor, limit: Self.bucketPageSize)
    }

    /// The bucket source of a job, from this worker's object-store client.
    func bucketSource(_ bucket: S3Path, spec: SyncSpec) async throws -> any Source {
        guard let objectStores, let access = spec.s3 else {
            throw PermanentTaskError("this worker cannot read \(bucket): it was built without an S3 client")
        }
        return try await objectStores.source(bucket, access: access)
    }

    /// `directory` relative to the job's source root (`""` for the root itself).
    static func relativePath(of directory: String, root: String) -> String {
        guard directory.count > root.count, directory.hasPrefix(root) else { return "" }
        return String(directory.dropFirst(root.count).drop { $0 == "/" })
    }

    /// One page of a bucket as a listing slice: prefixes become subdirectories, objects files.
    /// A key with an empty, `.` or `..` component (`a//b`, `a/./b`) cannot be a catalog path: it is
    /// recorded as a failed entry naming the key.
    static func bucketSlice(_ page: SourcePage, payload: DirectoryTaskPayload, exclusions: CompiledExclusions) -> ListingSlice {
        var slice = ListingSlice()
        slice.ended = true
        // A bucket may hold both `p/a` and keys under `p/a/`; a collection and a data object cannot
        // share a name, so the prefix is synced and the object recorded as failed, saying why.
        let prefixes = Set(page.entries.filter { $0.kind == .directory }.map { ExactName($0.name) })
        for entry in page.entries {
            let name = entry.name
            slice.entriesSeen += 1
            slice.names.append(ExactName(name))
            let fullPath = payload.sourcePath(name)
            if name.isEmpty || name == "." || name == ".." {
                let error = "\(fullPath)\(entry.kind == .directory ? "/" : "") has an empty, '.' or '..' path component, which no catalog path can hold; "
                    + "rename the objects under it"
                slice.items.append(.failed(FileEntry(name: name.isEmpty ? "(empty)" : name, size: entry.size, mtimeNanos: entry.mtimeNanos), error: error))
                continue
            }
            switch entry.kind {
            case .directory:
                if exclusions.excludes(type: .directory) || exclusions.excludesDirectory(fullPath) {
                    slice.items.append(.skipped(reason: "excluded"))
                    continue
                }
                slice.items.append(.directory(Subdirectory(name: name, rawName: nil, nameBytes: Array(name.utf8))))
            case .file:
                if prefixes.contains(ExactName(name)) {
                    let error = "\(fullPath) is an object and also a prefix (\(fullPath)/...); a data object and a collection cannot share a "
                        + "name: rename the object or the keys under the prefix"
                    slice.items.append(.failed(FileEntry(name: name, size: entry.size, mtimeNanos: entry.mtimeNanos), error: error))
                    continue
                }
                if exclusions.excludes(type: .regular) || exclusions.excludesFile(fullPath) {
                    slice.items.append(.skipped(reason: "excluded"))
                    continue
                }
                slice.bytesSeen += entry.size
                let etag = entry.etag.flatMap { $0.contains("/") ? nil : $0 }
                slice.items.append(.file(FileEntry(name: name, size: entry.size, mtimeNanos: entry.mtimeNanos, etag: etag)))
            }
        }
        return slice
    }
}
