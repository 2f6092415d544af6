import Foundation

/// A name/value/units triple on a collection or data object (iRODS AVU).
public struct MetadataTriple: Sendable, Codable, Equatable, Hashable {
    public var attribute: String
    public var value: String
    public var units: String

    public init(attribute: String, value: String, units: String = "") {
        self.attribute = attribute
        self.value = value
        self.units = units
    }
}

/// Where bytes live. A `vault` is a directory Ingest manages; `inplace` registers files where they are.
public struct StorageResource: Sendable, Codable, Equatable {
    public var name: String
    public var type: String
    public var path: String?

    public init(name: String, type: String, path: String? = nil) {
        self.name = name
        self.type = type
        self.path = path
    }

    /// The resource that register operations use unless told otherwise: files stay where they are.
    public static let inPlace = StorageResource(name: "inplace", type: "inplace")
}

public enum ReplicaStatus: String, Sendable, Codable {
    case good, stale
}

public struct Replica: Sendable, Codable, Equatable {
    public var number: Int
    public var resource: String
    public var physicalPath: String
    public var size: Int64
    /// Modification time of the physical file, nanoseconds since the epoch.
    public var mtimeNanos: Int64
    public var checksum: String?
    public var status: ReplicaStatus
    public var modifiedAt: Timestamp

    public init(number: Int, resource: String, physicalPath: String, size: Int64, mtimeNanos: Int64, checksum: String?, status: ReplicaStatus, modifiedAt: Timestamp) {
        self.number = number
        self.resource = resource
        self.physicalPath = physicalPath
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.checksum = checksum
        self.status = status
        self.modifiedAt = modifiedAt
    }
}

public struct CatalogCollection: Sendable, Codable, Equatable {
    public var path: String
    public var createdAt: Timestamp
    public var modifiedAt: Timestamp
    public var metadata: [MetadataTriple]

    public init(path: String, createdAt: Timestamp, modifiedAt: Timestamp, metadata: [MetadataTriple]) {
        self.path = path
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.metadata = metadata
    }
}

public struct DataObject: Sendable, Codable, Equatable {
    public var path: String
    public var size: Int64
    public var mtimeNanos: Int64
    public var checksum: String?
    public var createdAt: Timestamp
    public var modifiedAt: Timestamp
    public var replicas: [Replica]
    public var metadata: [MetadataTriple]

    public init(path: String, size: Int64, mtimeNanos: Int64, checksum: String?, createdAt: Timestamp, modifiedAt: Timestamp, replicas: [Replica], metadata: [MetadataTriple]) {
        self.path = path
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.checksum = checksum
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.replicas = replicas
        self.metadata = metadata
    }
}

/// One line of `ingest ls`.
public struct CatalogEntry: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case collection, dataObject = "data_object" }
    public var kind: Kind
    public var path: String
    public var size: Int64?
    public var mtimeNanos: Int64?
    public var replicaCount: Int?

    public init(kind: Kind, path: String, size: Int64? = nil, mtimeNanos: Int64? = nil, replicaCount: Int? = nil) {
        self.kind = kind
        self.path = path
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.replicaCount = replicaCount
    }
}

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

/// How much a resource holds (`ingest resource ls`).
public struct ResourceUsage: Sendable, Codable, Equatable {
    public var resource: StorageResource
    public var replicas: Int64
    public var bytes: Int64

    public init(resource: StorageResource, replicas: Int64, bytes: Int64) {
        self.resource = resource
        self.replicas = replicas
        self.bytes = bytes
    }
}

/// The names directly inside a collection.
public struct CollectionChildren: Sendable, Equatable {
    public var collections: [String]
    public var objects: [String]

    public init(collections: [String], objects: [String]) {
        self.collections = collections
        self.objects = objects
    }
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

public enum UpsertOutcome: Sendable, Equatable {
    case created, updated, unchanged
}

public enum CatalogPathKind: Sendable, Equatable {
    case collection, dataObject
}

/// The data-management namespace `sync` writes: collections, data objects, replicas,
/// resources and metadata. Writes are idempotent upserts keyed by logical path, so a task that
/// runs twice writes the same rows. Implementations: `SQLiteCatalog`, `PostgresCatalog`.
public protocol Catalog: Sendable {
    /// Creates the resource, or checks that an existing one has the same type and path.
    func ensureResource(_ resource: StorageResource) async throws

    func resources() async throws -> [StorageResource]

    func resource(named name: String) async throws -> StorageResource?

    /// Every resource with the number of replicas and bytes it holds.
    func resourceUsage() async throws -> [ResourceUsage]

    /// Creates each collection and its missing ancestors.
    /// - Returns: per requested path, whether it was created or already there.
    func ensureCollections(_ paths: [String]) async throws -> [UpsertOutcome]

    /// Change detection for a slice of a directory listing, in one query: for each named object that
    /// has a replica on `resource`, that replica's size and mtime, and whether its physical path is
    /// `directory` + "/" + name.
    /// Keyed by the names' bytes: canonically equivalent names are distinct objects.
    func replicaFingerprints(in collection: String, names: [String], resource: String, directory: String) async throws -> [ExactName: ReplicaFingerprint]

    /// Catalog state of the named objects in one collection with their replica on `resource`.
    /// Keyed by the names' bytes, like `replicaFingerprints`.
    func replicaStates(in collection: String, names: [String], resource: String) async throws -> [ExactName: ReplicaState]

    /// Registers or updates objects, in one transaction, creating missing collections. When an
    /// object's content changed (size, mtime or checksum), its replicas on other resources are
    /// marked stale.
    /// - Returns: one outcome per registration, in order.
    func register(_ registrations: [ObjectRegistration]) async throws -> [UpsertOutcome]

    /// Adds metadata to a collection or data object; triples already there are kept once.
    /// - Throws: `IngestError.notFoundInCatalog` if nothing is at `path`.
    func addMetadata(_ triples: [MetadataTriple], to path: String) async throws

    /// Sub-collection and object names directly inside a collection (empty if it does not exist).
    func children(of collection: String) async throws -> CollectionChildren

    /// Removes objects and whole sub-collections of `collection` from the catalog, in one transaction.
    /// - Returns: the replicas that were removed, so stored copies can be deleted.
    func unregister(in collection: String, objects: [String], collections: [String]) async throws -> [RemovedReplica]

    /// Moves objects and sub-collections of `collection` to the same place under `trashRoot`
    /// (`/zone/trash` for `/zone/...`), replacing what the trash held there.
    /// - Parameter relocate: for a replica (resource, physical path), where its stored copy moves to,
    ///   or nil to leave it; the catalog records the new paths and the caller moves the files.
    /// - Returns: the copies to move (`to` set) and the copies of replaced trash entries to delete (`to` nil).
    func moveToTrash(
        in collection: String, objects: [String], collections: [String], trashRoot: String,
        relocate: @Sendable (_ resource: String, _ physicalPath: String) -> String?
    ) async throws -> [TrashedCopy]

    /// Data objects at or below `path` with their replicas and metadata, in pages: pass the last
    /// page's `cursor` to get the next.
    func objects(under path: String, after cursor: Int64?, limit: Int) async throws -> (objects: [DataObject], cursor: Int64?)

    /// Whether the path is a collection, a data object, or absent.
    func kind(of path: String) async throws -> CatalogPathKind?

    func collection(at path: String) async throws -> CatalogCollection?

    func dataObject(at path: String) async throws -> DataObject?

    /// Sub-collections then data objects directly in a collection, by name.
    /// What a collection holds; `/` lists the top collections (the zones).
    func list(collection path: String) async throws -> [CatalogEntry]
}
