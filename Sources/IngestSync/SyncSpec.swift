import Foundation
import IngestCore

/// Queue names a sync job uses (iRODS automated ingest's `--restart_queue`, `--path_queue`, `--file_queue`).
public struct SyncQueues: Codable, Sendable, Equatable {
    public var restart: String
    public var path: String
    public var file: String

    public init(restart: String = "restart", path: String = "path", file: String = "file") {
        self.restart = restart
        self.path = path
        self.file = file
    }
}

/// The options a sync job was started with. Carried in every task so a worker needs nothing
/// else to run it; holds no secrets (invariant 8).
public struct SyncSpec: Codable, Sendable, Equatable {
    /// Absolute path of the source directory, or `s3://bucket/prefix` for a bucket (with `s3`).
    public var source: String
    /// Canonical logical path of the destination collection.
    public var target: String
    public var filesPerTask: Int
    public var ignoreCache: Bool
    public var initialIngest: Bool
    public var queues: SyncQueues
    public var retry: RetryPolicy
    public var operation: SyncOperation
    /// The storage resource copies go to, or register operations record their replica on.
    /// Nil: `inplace` for the register operations; copy operations need one.
    public var resource: String?
    public var checksum: ChecksumAlgorithm?
    public var exclusions: ExclusionRules
    public var followSymlinks: Bool
    public var deleteMode: DeleteMode
    /// Per-entry policy and hooks (`--event_handler`, `--policy`); nil: every entry gets the options above.
    /// Its text is in the job's record only; task payloads carry it without (`PolicyDocument.withoutText`).
    public var policy: PolicyDocument?
    /// How to reach the source when it is a bucket (`s3://bucket/prefix`); nil for a directory.
    public var s3: S3Access?

    public init(
        source: String, target: String, filesPerTask: Int = 50, ignoreCache: Bool = false, initialIngest: Bool = false,
        queues: SyncQueues = SyncQueues(), retry: RetryPolicy = .default, operation: SyncOperation = .registerSync,
        resource: String? = nil, checksum: ChecksumAlgorithm? = nil, exclusions: ExclusionRules = ExclusionRules(),
        followSymlinks: Bool = false, deleteMode: DeleteMode = .doNotDelete, policy: PolicyDocument? = nil, s3: S3Access? = nil
    ) {
        self.source = source
        self.target = target
        self.filesPerTask = filesPerTask
        self.ignoreCache = ignoreCache
        self.initialIngest = initialIngest
        self.queues = queues
        self.retry = retry
        self.operation = operation
        self.resource = resource
        self.checksum = checksum
        self.exclusions = exclusions
        self.followSymlinks = followSymlinks
        self.deleteMode = deleteMode
        self.policy = policy
        self.s3 = s3
    }

    /// The bucket and prefix of a bucket source; nil for a directory.
    public var bucketSource: S3Path? { s3 == nil ? nil : S3Path(parsing: source) }

    /// The resource this job's replicas go on.
    public var replicaResource: String { resource ?? StorageResource.inPlace.name }

    public static let jobKind = "sync"
}

/// The task kinds of a sync job, namespaced by the job kind (`SyncJobKind.legacyTaskKinds` runs
/// tasks queued under the older bare names).
public enum SyncTaskKind {
    public static let restart = "sync.restart"
    public static let path = "sync.path"
    public static let file = "sync.file"
    /// Ends each pass of a job with a policy: its `post_job` and `post_pass` hooks.
    public static let finish = "sync.finish"
}
