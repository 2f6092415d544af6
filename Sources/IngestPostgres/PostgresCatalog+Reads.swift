import IngestCore
import Logging
import PostgresNIO

/// The bounds of a subtree in a `COLLATE "C"` column: every path below `path` sorts in
/// [`path/`, `path0`), since "0" is the character after "/". Exact for any characters (no LIKE
/// wildcards to escape) and answered by the unique index on the path.
struct SubtreeRange: Sendable {
    var path: String
    var lowerBound: String { path + "/" }
    var upperBound: String { path + "0" }
}

// MARK: - Resources

extension PostgresCatalog {
    public func resources() async throws -> [StorageResource] {
        try await rows("SELECT name, type, path FROM resources ORDER BY name").map {
            let (name, type, path) = try $0.decode((String, String, String?).self)
            return StorageResource(name: name, type: type, path: path)
        }
    }

    public func resource(named name: String) async throws -> StorageResource? {
        try await rows("SELECT name, type, path FROM resources WHERE name = \(name)").first.map {
            let (name, type, path) = try $0.decode((String, String, String?).self)
            return StorageResource(name: name, type: type, path: path)
        }
    }

    public func resourceUsage() async throws -> [ResourceUsage] {
        try await rows("""
            SELECT s.name, s.type, s.path, COUNT(r.object_id), COALESCE(SUM(r.size), 0)::bigint
            FROM resources s LEFT JOIN replicas r ON r.resource_id = s.id
            GROUP BY s.id ORDER BY s.name
            """).map {
            let (name, type, path, replicas, bytes) = try $0.decode((String, String, String?, Int64, Int64).self)
            return ResourceUsage(resource: StorageResource(name: name, type: type, path: path), replicas: replicas, bytes: bytes)
        }
    }
}

// MARK: - Paths, collections and objects

extension PostgresCatalog {
    public func kind(of path: String) async throws -> CatalogPathKind? {
        let parent = LogicalPath.parent(of: path)
        let row = try await rows("""
            SELECT EXISTS (SELECT 1 FROM collections WHERE path = \(path)),
                EXISTS (SELECT 1 FROM data_objects o JOIN collections c ON c.id = o.collection_id
                        WHERE c.path = \(parent) AND o.name = \(LogicalPath.name(of: path)))
            """).first
        guard let (isCollection, isObject) = try row?.decode((Bool, Bool).self) else { return nil }
        return isCollection ? .collection : isObject ? .dataObject : nil
    }

    public func collection(at path: String) async throws -> CatalogCollection? {
        let rows = try await rows("""
            SELECT c.created_at, c.modified_at, m.attribute, m.value, m.units
            FROM collections c LEFT JOIN metadata m ON m.target_type = 'collection' AND m.target_id = c.id
            WHERE c.path = \(path)
            ORDER BY m.attribute, m.value, m.units
            """)
        var collection: CatalogCollection?
        for row in rows {
            let (createdAt, modifiedAt, attribute, value, units) = try row.decode((Double, Double, String?, String?, String?).self)
            if collection == nil {
                collection = CatalogCollection(path: path, createdAt: createdAt, modifiedAt: modifiedAt, metadata: [])
            }
            if let attribute, let value {
                collection?.metadata.append(MetadataTriple(attribute: attribute, value: value, units: units ?? ""))
            }
        }
        return collection
    }

    public func dataObject(at path: String) async throws -> DataObject? {
        guard let parent = LogicalPath.parent(of: path) else { return nil }
        let logger = logger
        return try await transaction(readOnly: true) { connection in
            let ids = try await connection.rows("""
                SELECT o.id FROM data_objects o JOIN collections c ON c.id = o.collection_id
                WHERE c.path = \(parent) AND o.name = \(LogicalPath.name(of: path))
                """, logger: logger).map { try $0.decode(Int64.self) }
            return try await Self.dataObjects(ids: ids, on: connection, logger: logger).first
        }
    }

    public func list(collection path: String) async throws -> [CatalogEntry] {
        let logger = logger
        return try await transaction(readOnly: true) { connection in
            if path == "/" {
                return try await connection.rows("SELECT path FROM collections WHERE parent_id IS NULL ORDER BY name", logger: logger)
                    .map { CatalogEntry(kind: .collection, path: try $0.decode(String.self)) }
            }
            guard let id = try await connection.rows("SELECT id FROM collections WHERE path = \(path)", logger: logger)
                .first?.decode(Int64.self)
            else {
                throw IngestError.notFoundInCatalog(path)
            }
            var entries = try await connection.rows(
                "SELECT path FROM collections WHERE parent_id = \(id) ORDER BY name", logger: logger
            ).map { CatalogEntry(kind: .collection, path: try $0.decode(String.self)) }
            for row in try await connection.rows("""
                SELECT o.name, o.size, o.mtime_ns, (SELECT COUNT(*) FROM replicas r WHERE r.object_id = o.id)
                FROM data_objects o WHERE o.collection_id = \(id) ORDER BY o.name
                """, logger: logger)
            {
                let (name, size, mtime, replicas) = try row.decode((String, Int64, Int64, Int64).self)
                entries.append(CatalogEntry(
                    kind: .dataObject, path: LogicalPath.join(path, name), size: size, mtimeNanos: mtime, replicaCount: Int(replicas)))
            }
            return entries
        }
    }

    public func children(of collection: String) async throws -> CollectionChildren {
        var children = CollectionChildren(collections: [], objects: [])
        for row in try await rows("""
            SELECT true, c.name FROM collections c JOIN collections p ON p.id = c.parent_id WHERE p.path = \(collection)
            UNION ALL
            SELECT false, o.name FROM data_objects o JOIN collections p ON p.id = o.collection_id WHERE p.path = \(collection)
            """)
        {
            let (isCollection, name) = try row.decode((Bool, String).self)
            if isCollection { children.collections.append(name) } else { children.objects.append(name) }
        }
        return children
    }

    public func objects(under path: String, after cursor: Int64?, limit: Int) async throws -> (objects: [DataObject], cursor: Int64?) {
        let logger = logger
        let subtree = SubtreeRange(path: path)
        return try await transaction(readOnly: true) { connection in
            if let parent = LogicalPath.parent(of: path),
                let objectID = try await connection.rows("""
                    SELECT o.id FROM data_objects o JOIN collections c ON c.id = o.collection_id
                    WHERE c.path = \(parent) AND o.name = \(LogicalPath.name(of: path))
                    """, logger: logger).first?.decode(Int64.self)
            {
                guard cursor == nil else { return ([], nil) }
                return (try await Self.dataObjects(ids: [objectID], on: connection, logger: logger), nil)
            }
            let ids = try await connection.rows("""
                SELECT o.id FROM data_objects o JOIN collections c ON c.id = o.collection_id
                WHERE (c.path = \(path) OR (c.path >= \(subtree.lowerBound) AND c.path < \(subtree.upperBound)))
                    AND o.id > \(cursor ?? 0)
                ORDER BY o.id LIMIT \(limit)
                """, logger: logger).map { try $0.decode(Int64.self) }
            return (try await Self.dataObjects(ids: ids, on: connection, logger: logger), ids.count == limit ? ids.last : nil)
        }
    }

    /// Objects with their replicas and metadata, in the order of `ids`: three statements, whatever
    /// the number of objects.
    static func dataObjects(ids: [Int64], on connection: PostgresPool.Connection, logger: Logger) async throws -> [DataObject] {
        guard !ids.isEmpty else { return [] }
        var objects: [Int64: DataObject] = [:]
        for row in try await connection.rows("""
            SELECT o.id, c.path, o.name, o.size, o.mtime_ns, o.checksum, o.created_at, o.modified_at
            FROM data_objects o JOIN collections c ON c.id = o.collection_id
            WHERE o.id = ANY(\(ids)::bigint[])
            """, logger: logger)
        {
            let (id, collection, name, size, mtime, checksum, createdAt, modifiedAt) =
                try row.decode((Int64, String, String, Int64, Int64, String?, Double, Double).self)
            objects[id] = DataObject(
                path: LogicalPath.join(collection, name), size: size, mtimeNanos: mtime, checksum: checksum,
                createdAt: createdAt, modifiedAt: modifiedAt, replicas: [], metadata: [])
        }
        for row in try await connection.rows("""
            SELECT r.object_id, r.number, s.name, r.physical_path, r.size, r.mtime_ns, r.checksum, r.status, r.modified_at
            FROM replicas r JOIN resources s ON s.id = r.resource_id
            WHERE r.object_id = ANY(\(ids)::bigint[])
            ORDER BY r.object_id, r.number
            """, logger: logger)
        {
            let (id, number, resource, path, size, mtime, checksum, status, modifiedAt) =
                try row.decode((Int64, Int, String, String, Int64, Int64, String?, String, Double).self)
            objects[id]?.replicas.append(Replica(
                number: number, resource: resource, physicalPath: path, size: size, mtimeNanos: mtime, checksum: checksum,
                status: ReplicaStatus(rawValue: status) ?? .stale, modifiedAt: modifiedAt))
        }
        for row in try await connection.rows("""
            SELECT target_id, attribute, value, units FROM metadata
            WHERE target_type = 'data_object' AND target_id = ANY(\(ids)::bigint[])
            ORDER BY target_id, attribute, value, units
            """, logger: logger)
        {
            let (id, attribute, value, units) = try row.decode((Int64, String, String, String).self)
            objects[id]?.metadata.append(MetadataTriple(attribute: attribute, value: value, units: units))
        }
        return ids.compactMap { objects[$0] }
    }
}

// MARK: - Change detection

extension PostgresCatalog {
    public func replicaFingerprints(
        in collection: String, names: [String], resource: String, directory: String
    ) async throws -> [ExactName: ReplicaFingerprint] {
        guard !names.isEmpty else { return [:] }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var fingerprints: [ExactName: ReplicaFingerprint] = [:]
        fingerprints.reserveCapacity(names.count)
        for row in try await rows("""
            SELECT o.name, r.size, r.mtime_ns, r.physical_path = \(prefix) || o.name, r.physical_path
            FROM collections c
            JOIN data_objects o ON o.collection_id = c.id
            JOIN resources s ON s.name = \(resource)
            JOIN replicas r ON r.object_id = o.id AND r.resource_id = s.id
            WHERE c.path = \(collection) AND o.name = ANY(\(names)::text[])
            """)
        {
            let (name, size, mtime, inDirectory, physicalPath) = try row.decode((String, Int64, Int64, Bool, String).self)
            fingerprints[ExactName(name)] = ReplicaFingerprint(
                size: size, mtimeNanos: mtime, isInDirectory: inDirectory, physicalPath: physicalPath)
        }
        return fingerprints
    }

    public func replicaStates(in collection: String, names: [String], resource: String) async throws -> [ExactName: ReplicaState] {
        guard !names.isEmpty else { return [:] }
        var states: [ExactName: ReplicaState] = [:]
        for row in try await rows("""
            SELECT o.name, o.size, o.mtime_ns, r.number, r.physical_path, r.size, r.mtime_ns, r.checksum, r.status, r.modified_at
            FROM collections c
            JOIN resources s ON s.name = \(resource)
            JOIN data_objects o ON o.collection_id = c.id
            LEFT JOIN replicas r ON r.object_id = o.id AND r.resource_id = s.id
            WHERE c.path = \(collection) AND o.name = ANY(\(names)::text[])
            """)
        {
            let (name, size, mtime, number, path, replicaSize, replicaMtime, checksum, status, modifiedAt) =
                try row.decode((String, Int64, Int64, Int?, String?, Int64?, Int64?, String?, String?, Double?).self)
            var replica: Replica?
            if let number, let path, let replicaSize, let replicaMtime, let status, let modifiedAt {
                replica = Replica(
                    number: number, resource: resource, physicalPath: path, size: replicaSize, mtimeNanos: replicaMtime,
                    checksum: checksum, status: ReplicaStatus(rawValue: status) ?? .stale, modifiedAt: modifiedAt)
            }
            states[ExactName(name)] = ReplicaState(objectSize: size, objectMtimeNanos: mtime, replica: replica)
        }
        return states
    }
}
