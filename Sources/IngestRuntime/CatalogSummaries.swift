import IngestCore

/// Catalog records as `ingest ls` and `stat` (and later the REST API) show them: times as RFC 3339,
/// with the exact modification time kept as nanoseconds next to it.
public struct CatalogEntrySummary: Encodable, Sendable {
    /// `collection` or `data_object`.
    public var kind: String
    public var path: String
    @Nullable public var size: Int64?
    @Nullable public var mtime: String?
    @Nullable public var mtimeNanos: Int64?
    @Nullable public var replicaCount: Int?

    public init(_ entry: CatalogEntry) {
        kind = entry.kind.rawValue
        path = entry.path
        size = entry.size
        mtime = entry.mtimeNanos.map(CatalogTime.string(nanos:))
        mtimeNanos = entry.mtimeNanos
        replicaCount = entry.replicaCount
    }
}

public struct ReplicaSummary: Encodable, Sendable {
    public var number: Int
    public var resource: String
    public var physicalPath: String
    public var size: Int64
    public var mtime: String
    public var mtimeNanos: Int64
    @Nullable public var checksum: String?
    /// `good` or `stale`.
    public var status: String
    public var modifiedAt: String

    public init(_ replica: Replica) {
        number = replica.number
        resource = replica.resource
        physicalPath = replica.physicalPath
        size = replica.size
        mtime = CatalogTime.string(nanos: replica.mtimeNanos)
        mtimeNanos = replica.mtimeNanos
        checksum = replica.checksum
        status = replica.status.rawValue
        modifiedAt = RFC3339.string(replica.modifiedAt)
    }
}

public struct DataObjectSummary: Encodable, Sendable {
    public let kind = "data_object"
    public var path: String
    public var size: Int64
    public var mtime: String
    public var mtimeNanos: Int64
    @Nullable public var checksum: String?
    public var createdAt: String
    public var modifiedAt: String
    public var replicas: [ReplicaSummary]
    public var metadata: [MetadataTriple]

    public init(_ object: DataObject) {
        path = object.path
        size = object.size
        mtime = CatalogTime.string(nanos: object.mtimeNanos)
        mtimeNanos = object.mtimeNanos
        checksum = object.checksum
        createdAt = RFC3339.string(object.createdAt)
        modifiedAt = RFC3339.string(object.modifiedAt)
        replicas = object.replicas.map(ReplicaSummary.init)
        metadata = object.metadata
    }
}

public struct CollectionSummary: Encodable, Sendable {
    public let kind = "collection"
    public var path: String
    public var createdAt: String
    public var modifiedAt: String
    public var metadata: [MetadataTriple]

    public init(_ collection: CatalogCollection) {
        path = collection.path
        createdAt = RFC3339.string(collection.createdAt)
        modifiedAt = RFC3339.string(collection.modifiedAt)
        metadata = collection.metadata
    }
}

enum CatalogTime {
    static func string(nanos: Int64) -> String {
        RFC3339.string(Double(nanos) / 1e9)
    }
}
