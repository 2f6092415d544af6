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
