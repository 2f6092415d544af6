import Foundation

/// An object's catalog state and its replica on one resource: what copy operations decide from.
public struct ReplicaState: Sendable, Equatable {
    public var objectSize: Int64
    public var objectMtimeNanos: Int64
    /// The replica on the asked-for resource, if the object has one there.
    public var replica: Replica?

    public init(objectSize: Int64, objectMtimeNanos: Int64, replica: Replica?) {
        self.objectSize = objectSize
        self.objectMtimeNanos = objectMtimeNanos
        self.replica = replica
    }
}

/// The least a re-sync needs to decide that a file is unchanged: its replica on the job's resource.
/// A stale replica whose file has not changed stays stale: another replica holds newer content.
public struct ReplicaFingerprint: Sendable, Equatable {
    public var size: Int64
    public var mtimeNanos: Int64
    /// Whether the replica's physical path is the asked-for directory plus the object's name.
    public var isInDirectory: Bool
    /// Where the replica is: a copy in a vault, or a file registered in place.
    public var physicalPath: String

    public init(size: Int64, mtimeNanos: Int64, isInDirectory: Bool, physicalPath: String) {
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.isInDirectory = isInDirectory
        self.physicalPath = physicalPath
    }
}

/// The rule both catalogs apply when a file is registered again, written once so that SQLite and
/// PostgreSQL decide "created, updated or unchanged" alike.
public enum RegistrationChange {
    /// The object's content changed: its size or modification time differ, or a checksum was
    /// computed this time and differs. (Without a new checksum the stored one is not compared:
    /// new content then simply has no known checksum.) Other resources' replicas become stale.
    public static func objectChanged(size: Int64, mtimeNanos: Int64, checksum: String?, registration: ObjectRegistration) -> Bool {
        size != registration.size || mtimeNanos != registration.mtimeNanos
            || (registration.checksum != nil && checksum != registration.checksum)
    }

    /// The replica on the registration's resource must be written: it is missing, or its physical
    /// path, size or modification time differ, or it is stale.
    public static func replicaChanged(_ replica: (physicalPath: String, size: Int64, mtimeNanos: Int64, status: ReplicaStatus)?, registration: ObjectRegistration) -> Bool {
        guard let replica else { return true }
        return replica.physicalPath != registration.physicalPath || replica.size != registration.size
            || replica.mtimeNanos != registration.mtimeNanos || replica.status != .good
    }

    /// What the registration did: updated when anything changed or the caller asked to rewrite.
    public static func outcome(objectChanged: Bool, replicaChanged: Bool, registration: ObjectRegistration) -> UpsertOutcome {
        objectChanged || replicaChanged || registration.alwaysUpdate ? .updated : .unchanged
    }
}
