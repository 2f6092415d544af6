import Foundation
import GRDB
import IngestCore

/// The embedded catalog: collections, data objects, replicas, resources and metadata in one
/// SQLite file. Every write is an upsert keyed by logical path, so re-running a task is harmless.
public final class SQLiteCatalog: Catalog {
    let pool: DatabasePool
    /// Every write goes through it (see `SQLiteWriter`).
    let writer: SQLiteWriter

    /// Opens (and creates or migrates) the catalog database at `path`.
    /// - Parameter access: Whether a missing file (and its directories) may be created; commands
    ///   that only read pass `.existingOnly`.
    /// - Throws: `SQLiteFileError` when the path cannot hold the file, naming the fix.
    public init(path: String, access: SQLiteAccess = .create(directories: true)) throws {
        let opened = try SQLiteConnection.open(path: path, role: .catalog, access: access, migrator: Self.migrator)
        pool = opened.pool
        writer = SQLiteWriter(pool, identity: opened.identity)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE resources (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    path TEXT,
                    created_at REAL NOT NULL
                );
                CREATE TABLE collections (
                    id INTEGER PRIMARY KEY,
                    path TEXT NOT NULL UNIQUE,
                    parent_id INTEGER REFERENCES collections(id),
                    name TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    modified_at REAL NOT NULL
                );
                CREATE INDEX collections_parent ON collections (parent_id, name);
                CREATE TABLE data_objects (
                    id INTEGER PRIMARY KEY,
                    collection_id INTEGER NOT NULL REFERENCES collections(id),
                    name TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL,
                    checksum TEXT,
                    created_at REAL NOT NULL,
                    modified_at REAL NOT NULL,
                    UNIQUE (collection_id, name)
                );
                CREATE TABLE replicas (
                    object_id INTEGER NOT NULL REFERENCES data_objects(id) ON DELETE CASCADE,
                    resource_id INTEGER NOT NULL REFERENCES resources(id),
                    number INTEGER NOT NULL,
                    physical_path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL,
                    checksum TEXT,
                    status TEXT NOT NULL,
                    modified_at REAL NOT NULL,
                    PRIMARY KEY (object_id, resource_id)
                ) WITHOUT ROWID;
                CREATE TABLE metadata (
                    id INTEGER PRIMARY KEY,
                    target_type TEXT NOT NULL,
                    target_id INTEGER NOT NULL,
                    attribute TEXT NOT NULL,
                    value TEXT NOT NULL,
                    units TEXT NOT NULL DEFAULT '',
                    UNIQUE (target_type, target_id, attribute, value, units)
                );
                """)
            try db.execute(
                sql: "INSERT INTO resources (name, type, path, created_at) VALUES (?, ?, NULL, ?)",
                arguments: [StorageResource.inPlace.name, StorageResource.inPlace.type, currentTimestamp()])
        }
        return migrator
    }

    // MARK: - Resources

    public func ensureResource(_ resource: StorageResource) async throws {
        try await writer.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT type, path FROM resources WHERE name = ?", arguments: [resource.name]) {
                let type: String = row["type"]
                let path: String? = row["path"]
                guard type == resource.type, path == resource.path else {
                    throw IngestError.invalidOption(
                        name: "resource '\(resource.name)'",
                        reason: "the catalog already has it as type \(type) at \(path ?? "(no path)"); use another name or the same definition")
                }
                return
            }
            try db.execute(
                sql: "INSERT INTO resources (name, type, path, created_at) VALUES (?, ?, ?, ?)",
                arguments: [resource.name, resource.type, resource.path, currentTimestamp()])
        }
    }

    public func resources() async throws -> [StorageResource] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, type, path FROM resources ORDER BY name").map {
                StorageResource(name: $0["name"], type: $0["type"], path: $0["path"])
            }
        }
    }

    public func resource(named name: String) async throws -> StorageResource? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT name, type, path FROM resources WHERE name = ?", arguments: [name]).map {
                StorageResource(name: $0["name"], type: $0["type"], path: $0["path"])
            }
        }
    }

    public func resourceUsage() async throws -> [ResourceUsage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.name, s.type, s.path, COUNT(r.object_id) AS replicas, COALESCE(SUM(r.size), 0) AS bytes
                FROM resources s LEFT JOIN replicas r ON r.resource_id = s.id
                GROUP BY s.id ORDER BY s.name
                """).map {
                ResourceUsage(
                    resource: StorageResource(name: $0["name"], type: $0["type"], path: $0["path"]),
                    replicas: $0["replicas"], bytes: $0["bytes"])
            }
        }
    }

    // MARK: - Writes

    public func ensureCollections(_ paths: [String]) async throws -> [UpsertOutcome] {
        guard !paths.isEmpty else { return [] }
        let now = currentTimestamp()
        return try await writer.writeShort { db in
            var cache: [ExactName: Int64] = [:]
            return try paths.map { path in
                try Self.ensureCollection(path, db: db, now: now, cache: &cache).outcome
            }
        }
    }

    public func register(_ registrations: [ObjectRegistration]) async throws -> [UpsertOutcome] {
        guard !registrations.isEmpty else { return [] }
        let now = currentTimestamp()
        return try await writer.writeShort { db in
            var collections: [ExactName: Int64] = [:]
            var resources: [String: Int64] = [:]
            let statements = try RegistrationStatements(db: db)
            var outcomes: [UpsertOutcome] = []
            outcomes.reserveCapacity(registrations.count)
            for registration in registrations {
                let collectionID = try collections[ExactName(registration.collection)]
                    ?? Self.ensureCollection(registration.collection, db: db, now: now, cache: &collections).id
                collections[ExactName(registration.collection)] = collectionID
                let resourceID = try resources[registration.resource] ?? Self.resourceID(registration.resource, db: db)
                resources[registration.resource] = resourceID

                // Inserting is tried first: a bulk load creates most objects, and a created object
                // needs no look-up.
                let (objectID, outcome) = try statements.insertIfAbsent(registration, collectionID: collectionID, resourceID: resourceID, now: now)
                    ?? statements.updateExisting(registration, collectionID: collectionID, resourceID: resourceID, now: now)
                try Self.addMetadata(registration.metadata, targetType: "data_object", targetID: objectID, db: db)
                outcomes.append(outcome)
            }
            return outcomes
        }
    }

    // MARK: - Reads

    public func kind(of path: String) async throws -> CatalogPathKind? {
        try await pool.read { db in
            if try Self.collectionID(path, db: db) != nil { return .collection }
            if try Self.objectID(path, db: db) != nil { return .dataObject }
            return nil
        }
    }

    public func collection(at path: String) async throws -> CatalogCollection? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, created_at, modified_at FROM collections WHERE path = ?", arguments: [path]) else {
                return nil
            }
            return CatalogCollection(
                path: path, createdAt: row["created_at"], modifiedAt: row["modified_at"],
                metadata: try Self.metadata(targetType: "collection", targetID: row["id"], db: db))
        }
    }

    public func dataObject(at path: String) async throws -> DataObject? {
        try await pool.read { db in
            guard let id = try Self.objectID(path, db: db) else { return nil }
            return try Self.dataObjects(ids: [id], db: db).first
        }
    }

    public func list(collection path: String) async throws -> [CatalogEntry] {
        try await pool.read { db in
            if path == "/" {
                return try String.fetchAll(db, sql: "SELECT path FROM collections WHERE parent_id IS NULL ORDER BY name")
                    .map { CatalogEntry(kind: .collection, path: $0) }
            }
            guard let id = try Self.collectionID(path, db: db) else {
                throw IngestError.notFoundInCatalog(path)
            }
            var entries = try String.fetchAll(
                db, sql: "SELECT path FROM collections WHERE parent_id = ? ORDER BY name", arguments: [id]
            ).map { CatalogEntry(kind: .collection, path: $0) }
            let objects = try Row.fetchCursor(db, sql: """
                SELECT o.name, o.size, o.mtime_ns, (SELECT COUNT(*) FROM replicas r WHERE r.object_id = o.id) AS replicas
                FROM data_objects o WHERE o.collection_id = ? ORDER BY o.name
                """, arguments: [id])
            while let row = try objects.next() {
                entries.append(CatalogEntry(
                    kind: .dataObject, path: LogicalPath.join(path, row["name"]), size: row["size"],
                    mtimeNanos: row["mtime_ns"], replicaCount: row["replicas"]))
            }
            return entries
        }
    }
}

// MARK: - Replicas, deletion and verification

extension SQLiteCatalog {
    public func replicaStates(in collection: String, names: [String], resource: String) async throws -> [ExactName: ReplicaState] {
        guard !names.isEmpty else { return [:] }
        return try await pool.read { db in
            guard let collectionID = try Self.collectionID(collection, db: db),
                let resourceID = try Int64.fetchOne(db, sql: "SELECT id FROM resources WHERE name = ?", arguments: [resource])
            else { return [:] }
            var states: [ExactName: ReplicaState] = [:]
            for slice in names.chunked(into: 900) {
                let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ",")
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT o.name, o.size, o.mtime_ns, r.number, r.physical_path, r.size AS r_size, r.mtime_ns AS r_mtime,
                        r.checksum, r.status, r.modified_at
                    FROM data_objects o LEFT JOIN replicas r ON r.object_id = o.id AND r.resource_id = ?
                    WHERE o.collection_id = ? AND o.name IN (\(placeholders))
                    """, arguments: StatementArguments([resourceID, collectionID]) + StatementArguments(Array(slice)))
                while let row = try rows.next() {
                    var replica: Replica?
                    if let physicalPath: String = row["physical_path"] {
                        replica = Replica(
                            number: row["number"], resource: resource, physicalPath: physicalPath, size: row["r_size"],
                            mtimeNanos: row["r_mtime"], checksum: row["checksum"],
                            status: ReplicaStatus(rawValue: row["status"]) ?? .stale, modifiedAt: row["modified_at"])
                    }
                    states[ExactName(row["name"])] = ReplicaState(objectSize: row["size"], objectMtimeNanos: row["mtime_ns"], replica: replica)
                }
            }
            return states
        }
    }

    public func replicaFingerprints(in collection: String, names: [String], resource: String, directory: String) async throws -> [ExactName: ReplicaFingerprint] {
        guard !names.isEmpty else { return [:] }
        return try await pool.read { db in
            guard let collectionID = try Self.collectionID(collection, db: db),
                let resourceID = try Int64.fetchOne(db, sql: "SELECT id FROM resources WHERE name = ?", arguments: [resource])
            else { return [:] }
            var fingerprints: [ExactName: ReplicaFingerprint] = [:]
            fingerprints.reserveCapacity(names.count)
            let prefix = directory.hasSuffix("/") ? directory : directory + "/"
            for slice in names.chunked(into: 900) {
                let placeholders = Array(repeating: "?", count: slice.count).joined(separator: ",")
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT o.name, r.size, r.mtime_ns, r.physical_path = ? || o.name AS in_directory, r.physical_path
                    FROM data_objects o JOIN replicas r ON r.object_id = o.id AND r.resource_id = ?
                    WHERE o.collection_id = ? AND o.name IN (\(placeholders))
                    """, arguments: [prefix, resourceID, collectionID] + StatementArguments(Array(slice)))
                while let row = try rows.next() {
                    fingerprints[ExactName(row[0])] = ReplicaFingerprint(
                        size: row[1], mtimeNanos: row[2], isInDirectory: row[3], physicalPath: row[4])
                }
            }
            return fingerprints
        }
    }

    public func children(of collection: String) async throws -> CollectionChildren {
        try await pool.read { db in
            guard let id = try Self.collectionID(collection, db: db) else { return CollectionChildren(collections: [], objects: []) }
            return CollectionChildren(
                collections: try String.fetchAll(db, sql: "SELECT name FROM collections WHERE parent_id = ?", arguments: [id]),
                objects: try String.fetchAll(db, sql: "SELECT name FROM data_objects WHERE collection_id = ?", arguments: [id]))
        }
    }

    public func unregister(in collection: String, objects: [String], collections: [String]) async throws -> [RemovedReplica] {
        guard !objects.isEmpty || !collections.isEmpty else { return [] }
        return try await writer.write { db in
            guard let collectionID = try Self.collectionID(collection, db: db) else { return [] }
            var removed: [RemovedReplica] = []
            for name in objects {
                if let objectID = try Int64.fetchOne(
                    db, sql: "SELECT id FROM data_objects WHERE collection_id = ? AND name = ?", arguments: [collectionID, name])
                {
                    removed += try Self.deleteObjects(ids: [objectID], db: db)
                }
            }
            for name in collections {
                removed += try Self.deleteSubtree(LogicalPath.join(collection, name), db: db)
            }
            return removed
        }
    }

    public func moveToTrash(
        in collection: String, objects: [String], collections: [String], trashRoot: String,
        relocate: @Sendable (_ resource: String, _ physicalPath: String) -> String?
    ) async throws -> [TrashedCopy] {
        guard !objects.isEmpty || !collections.isEmpty else { return [] }
        let now = currentTimestamp()
        return try await writer.write { db in
            guard let collectionID = try Self.collectionID(collection, db: db) else { return [] }
            let zone = LogicalPath.lineage(of: collection).first ?? collection
            let trashCollection = trashRoot + collection.dropFirst(zone.count)
            var cache: [ExactName: Int64] = [:]
            let trashID = try Self.ensureCollection(trashCollection, db: db, now: now, cache: &cache).id
            var copies: [TrashedCopy] = []
            var movedObjects: [Int64] = []
            for name in objects {
                let trashPath = LogicalPath.join(trashCollection, name)
                if let existing = try Self.objectID(trashPath, db: db) {
                    copies += try Self.deleteObjects(ids: [existing], db: db).map { TrashedCopy(resource: $0.resource, from: $0.physicalPath, to: nil) }
                }
                if let objectID = try Int64.fetchOne(
                    db, sql: "SELECT id FROM data_objects WHERE collection_id = ? AND name = ?", arguments: [collectionID, name])
                {
                    try db.execute(
                        sql: "UPDATE data_objects SET collection_id = ?, modified_at = ? WHERE id = ?", arguments: [trashID, now, objectID])
                    movedObjects.append(objectID)
                }
            }
            for name in collections {
                let from = LogicalPath.join(collection, name)
                let to = LogicalPath.join(trashCollection, name)
                copies += try Self.deleteSubtree(to, db: db).map { TrashedCopy(resource: $0.resource, from: $0.physicalPath, to: nil) }
                movedObjects += try Int64.fetchAll(db, sql: """
                    SELECT o.id FROM data_objects o JOIN collections c ON c.id = o.collection_id
                    WHERE c.path = ? OR substr(c.path, 1, length(?)) = ?
                    """, arguments: [from, from + "/", from + "/"])
                try db.execute(sql: """
                    UPDATE collections SET path = ? || substr(path, length(?) + 1), modified_at = ?
                    WHERE path = ? OR substr(path, 1, length(?)) = ?
                    """, arguments: [to, from, now, from, from + "/", from + "/"])
                try db.execute(sql: "UPDATE collections SET parent_id = ? WHERE path = ?", arguments: [trashID, to])
            }
            for objectID in movedObjects {
                let replicas = try Row.fetchAll(db, sql: """
                    SELECT r.resource_id, s.name, r.physical_path FROM replicas r JOIN resources s ON s.id = r.resource_id WHERE r.object_id = ?
                    """, arguments: [objectID])
                for replica in replicas {
                    let path: String = replica["physical_path"]
                    guard let newPath = relocate(replica["name"], path) else { continue }
                    try db.execute(
                        sql: "UPDATE replicas SET physical_path = ? WHERE object_id = ? AND resource_id = ?",
                        arguments: [newPath, objectID, replica["resource_id"]])
                    copies.append(TrashedCopy(resource: replica["name"], from: path, to: newPath))
                }
            }
            return copies
        }
    }

    public func objects(under path: String, after cursor: Int64?, limit: Int) async throws -> (objects: [DataObject], cursor: Int64?) {
        try await pool.read { db in
            if let objectID = try Self.objectID(path, db: db) {
                guard cursor == nil else { return ([], nil) }
                return (try Self.dataObjects(ids: [objectID], db: db), nil)
            }
            let ids = try Int64.fetchAll(db, sql: """
                SELECT o.id FROM data_objects o JOIN collections c ON c.id = o.collection_id
                WHERE (c.path = ? OR substr(c.path, 1, length(?)) = ?) AND o.id > ?
                ORDER BY o.id LIMIT ?
                """, arguments: [path, path + "/", path + "/", cursor ?? 0, limit])
            return (try Self.dataObjects(ids: ids, db: db), ids.count == limit ? ids.last : nil)
        }
    }
}

// MARK: - Helpers inside a transaction

extension SQLiteCatalog {
    static func ensureCollection(_ path: String, db: Database, now: Timestamp, cache: inout [ExactName: Int64]) throws -> (id: Int64, outcome: UpsertOutcome) {
        if let id = cache[ExactName(path)] { return (id, .unchanged) }
        if let id = try collectionID(path, db: db) {
            cache[ExactName(path)] = id
            return (id, .unchanged)
        }
        var parentID: Int64?
        if let parent = LogicalPath.parent(of: path), parent != "/" {
            parentID = try ensureCollection(parent, db: db, now: now, cache: &cache).id
        }
        try db.cachedStatement(sql: "INSERT INTO collections (path, parent_id, name, created_at, modified_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [path, parentID, LogicalPath.name(of: path), now, now])
        let id = db.lastInsertedRowID
        cache[ExactName(path)] = id
        return (id, .created)
    }

    static func dataObjects(ids: [Int64], db: Database) throws -> [DataObject] {
        try ids.compactMap { id -> DataObject? in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT o.*, c.path AS collection FROM data_objects o JOIN collections c ON c.id = o.collection_id WHERE o.id = ?
                """, arguments: [id])
            else { return nil }
            let replicas = try Row.fetchAll(db, sql: """
                SELECT r.*, s.name AS resource FROM replicas r JOIN resources s ON s.id = r.resource_id
                WHERE r.object_id = ? ORDER BY r.number
                """, arguments: [id]).map { replica in
                Replica(
                    number: replica["number"], resource: replica["resource"], physicalPath: replica["physical_path"],
                    size: replica["size"], mtimeNanos: replica["mtime_ns"], checksum: replica["checksum"],
                    status: ReplicaStatus(rawValue: replica["status"]) ?? .stale, modifiedAt: replica["modified_at"])
            }
            return DataObject(
                path: LogicalPath.join(row["collection"], row["name"]), size: row["size"], mtimeNanos: row["mtime_ns"],
                checksum: row["checksum"], createdAt: row["created_at"], modifiedAt: row["modified_at"], replicas: replicas,
                metadata: try metadata(targetType: "data_object", targetID: id, db: db))
        }
    }

    /// Deletes objects with their replicas and metadata; returns the removed replicas.
    static func deleteObjects(ids: [Int64], db: Database) throws -> [RemovedReplica] {
        var removed: [RemovedReplica] = []
        for id in ids {
            removed += try Row.fetchAll(db, sql: """
                SELECT s.name, r.physical_path FROM replicas r JOIN resources s ON s.id = r.resource_id WHERE r.object_id = ?
                """, arguments: [id]).map { RemovedReplica(resource: $0["name"], physicalPath: $0["physical_path"]) }
            try db.execute(sql: "DELETE FROM replicas WHERE object_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM metadata WHERE target_type = 'data_object' AND target_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM data_objects WHERE id = ?", arguments: [id])
        }
        return removed
    }

    /// Deletes a collection, everything below it, and their metadata.
    static func deleteSubtree(_ path: String, db: Database) throws -> [RemovedReplica] {
        let collectionIDs = try Int64.fetchAll(
            db, sql: "SELECT id FROM collections WHERE path = ? OR substr(path, 1, length(?)) = ? ORDER BY length(path) DESC",
            arguments: [path, path + "/", path + "/"])
        var removed: [RemovedReplica] = []
        for collectionID in collectionIDs {
            let objectIDs = try Int64.fetchAll(db, sql: "SELECT id FROM data_objects WHERE collection_id = ?", arguments: [collectionID])
            removed += try deleteObjects(ids: objectIDs, db: db)
            try db.execute(sql: "DELETE FROM metadata WHERE target_type = 'collection' AND target_id = ?", arguments: [collectionID])
            try db.execute(sql: "DELETE FROM collections WHERE id = ?", arguments: [collectionID])
        }
        return removed
    }

    static func collectionID(_ path: String, db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM collections WHERE path = ?"), arguments: [path])
    }

    static func objectID(_ path: String, db: Database) throws -> Int64? {
        guard let parent = LogicalPath.parent(of: path), let collectionID = try collectionID(parent, db: db) else { return nil }
        return try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM data_objects WHERE collection_id = ? AND name = ?"),
            arguments: [collectionID, LogicalPath.name(of: path)])
    }

    static func resourceID(_ name: String, db: Database) throws -> Int64 {
        guard let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM resources WHERE name = ?"), arguments: [name]) else {
            let defined = try String.fetchAll(db, sql: "SELECT name FROM resources ORDER BY name").joined(separator: ", ")
            throw IngestError.invalidOption(name: "resource '\(name)'", reason: "it is not defined; defined: \(defined)")
        }
        return id
    }

    static func addMetadata(_ triples: [MetadataTriple], targetType: String, targetID: Int64, db: Database) throws {
        guard !triples.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO metadata (target_type, target_id, attribute, value, units) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
            """)
        for triple in triples {
            try insert.execute(arguments: [targetType, targetID, triple.attribute, triple.value, triple.units])
        }
    }

    static func metadata(targetType: String, targetID: Int64, db: Database) throws -> [MetadataTriple] {
        try Row.fetchAll(db, sql: """
            SELECT attribute, value, units FROM metadata WHERE target_type = ? AND target_id = ? ORDER BY attribute, value
            """, arguments: [targetType, targetID]).map {
            MetadataTriple(attribute: $0["attribute"], value: $0["value"], units: $0["units"])
        }
    }
}
