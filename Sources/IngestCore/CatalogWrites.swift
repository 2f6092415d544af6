import Foundation

/// A data object to register (or update) with one replica on a resource.
public struct ObjectRegistration: Sendable, Equatable {
    public var collection: String
    public var name: String
    public var size: Int64
    public var mtimeNanos: Int64
    public var resource: String
    public var physicalPath: String
    public var checksum: String?
    public var metadata: [MetadataTriple]
    /// Rewrite the replica even when nothing differs (`--ignore_cache`): the entry counts as updated.
    public var alwaysUpdate: Bool

    public init(
        collection: String, name: String, size: Int64, mtimeNanos: Int64, resource: String, physicalPath: String,
        checksum: String? = nil, metadata: [MetadataTriple] = [], alwaysUpdate: Bool = false
    ) {
        self.collection = collection
        self.name = name
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.resource = resource
        self.physicalPath = physicalPath
        self.checksum = checksum
        self.metadata = metadata
        self.alwaysUpdate = alwaysUpdate
    }
}

public enum UpsertOutcome: Sendable, Equatable {
    case created, updated, unchanged
}

/// A replica that left the catalog, so its stored copy can be removed too.
public struct RemovedReplica: Sendable, Equatable {
    public var resource: String
    public var physicalPath: String

    public init(resource: String, physicalPath: String) {
        self.resource = resource
        self.physicalPath = physicalPath
    }
}

/// A stored copy that a move to the trash relocates, or (with `to` nil) drops because the trash entry
/// it belonged to was replaced.
public struct TrashedCopy: Sendable, Equatable {
    public var resource: String
    public var from: String
    public var to: String?

    public init(resource: String, from: String, to: String?) {
        self.resource = resource
        self.from = from
        self.to = to
    }
}
