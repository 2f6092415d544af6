import IngestCore
import Logging
import PostgresNIO

// MARK: - Resources

extension PostgresCatalog {
    public func ensureResource(_ resource: StorageResource) async throws {
        let now = currentTimestamp()
        let (url, logger) = (url, logger)
        try await transaction { connection in
            // Inserted first so that workers defining the same resource at once agree on one row.
            try await connection.query("""
                INSERT INTO resources (name, type, path, created_at) VALUES (\(resource.name), \(resource.type), \(resource.path), \(now))
                ON CONFLICT (name) DO NOTHING
                """, logger: logger)
            let rows = try await connection.rows("SELECT type, path FROM resources WHERE name = \(resource.name)", logger: logger)
            guard let (type, path) = try rows.first?.decode((String, String?).self) else {
                throw PostgresCatalogError.concurrentChange(server: url.server, what: "resource '\(resource.name)'")
            }
            guard type == resource.type, path == resource.path else {
                throw IngestError.invalidOption(
                    name: "resource '\(resource.name)'",
                    reason: "the catalog already has it as type \(type) at \(path ?? "(no path)"); use another name or the same definition")
            }
        }
    }

    /// The ids of the named resources, from this process's cache where it has them: resources are
    /// never renamed or removed, so an id once read stays right.
    /// - Throws: `IngestError.invalidOption` naming the first unknown resource and the defined ones.
    func resourceIDs(for names: [String]) async throws -> [String: Int64] {
        let wanted = Set(names)
        var known = resourceIDCache.withLock { cache in cache.filter { wanted.contains($0.key) } }
        let missing = Array(wanted.subtracting(known.keys))
        guard !missing.isEmpty else { return known }
        for row in try await rows("SELECT name, id FROM resources WHERE name = ANY(\(missing))") {
            let (name, id) = try row.decode((String, Int64).self)
            known[name] = id
        }
        let found = known
        resourceIDCache.withLock { cache in cache.merge(found) { current, _ in current } }
        if let unknown = names.first(where: { known[$0] == nil }) {
            let defined = try await rows("SELECT name FROM resources ORDER BY name").map { try $0.decode(String.self) }
            throw IngestError.invalidOption(name: "resource '\(unknown)'", reason: "it is not defined; defined: \(defined.joined(separator: ", "))")
        }
        return known
    }
}

// MARK: - Collections

/// Collections a transaction made sure of: every asked-for path and its ancestors, by path.
struct EnsuredCollections: Sendable {
    var ids: [ExactName: Int64] = [:]
    /// The paths this transaction inserted.
    var created: Set<ExactName> = []

    func id(of path: String) -> Int64? { ids[ExactName(path)] }
}

extension PostgresCatalog {
    public func ensureCollections(_ paths: [String]) async throws -> [UpsertOutcome] {
        guard !paths.isEmpty else { return [] }
        let now = currentTimestamp()
        let logger = logger
        let ensured = try await transaction { connection in
            try await Self.ensureCollections(paths, now: now, on: connection, logger: logger)
        }
        // As in SQLite: a path is created once per call; a path named again, or an ancestor of one
        // named before it, is unchanged.
        var seen: Set<ExactName> = []
        return paths.map { path in
            let key = ExactName(path)
            let outcome: UpsertOutcome = !seen.contains(key) && ensured.created.contains(key) ? .created : .unchanged
            seen.formUnion(LogicalPath.lineage(of: path).map { ExactName($0) })
            seen.insert(key)
            return outcome
        }
    }

    /// Creates the missing collections among `paths` and their ancestors inside the caller's
    /// transaction: one look-up, then one insert per missing depth (a parent before its children),
    /// each in path order so that concurrent transactions take row locks in the same order.
    static func ensureCollections(
        _ paths: [String], now: Timestamp, on connection: PostgresPool.Connection, logger: Logger
    ) async throws -> EnsuredCollections {
        var wanted: Set<ExactName> = []
        for path in paths {
            wanted.insert(ExactName(path))
            wanted.formUnion(LogicalPath.lineage(of: path).map { ExactName($0) })
        }
        var ensured = EnsuredCollections()
        try await lookUpCollections(wanted.map(\.text), into: &ensured, on: connection, logger: logger)
        let missing = wanted.subtracting(ensured.ids.keys)
        guard !missing.isEmpty else { return ensured }

        let byDepth = Dictionary(grouping: missing.map(\.text)) { LogicalPath.lineage(of: $0).count }
        for depth in byDepth.keys.sorted() {
            let level = byDepth[depth]!.sorted(by: byteOrder)
            let parents = level.map { LogicalPath.parent(of: $0) ?? "" }
            let names = level.map { LogicalPath.name(of: $0) }
            let inserted = try await connection.rows("""
                INSERT INTO collections (path, parent_id, name, created_at, modified_at)
                SELECT t.path, (SELECT c.id FROM collections c WHERE c.path = t.parent), t.name, \(now), \(now)
                FROM unnest(\(level)::text[], \(parents)::text[], \(names)::text[]) AS t(path, parent, name)
                ORDER BY t.path COLLATE "C"
                ON CONFLICT (path) DO NOTHING
                RETURNING path, id
                """, logger: logger)
            for row in inserted {
                let (path, id) = try row.decode((String, Int64).self)
                ensured.ids[ExactName(path)] = id
                ensured.created.insert(ExactName(path))
            }
        }
        // Inserted meanwhile by another transaction, which committed before our insert went on.
        let insertedElsewhere = missing.subtracting(ensured.created)
        if !insertedElsewhere.isEmpty {
            try await lookUpCollections(insertedElsewhere.map(\.text), into: &ensured, on: connection, logger: logger)
        }
        return ensured
    }

    private static func lookUpCollections(
        _ paths: [String], into ensured: inout EnsuredCollections, on connection: PostgresPool.Connection, logger: Logger
    ) async throws {
        for row in try await connection.rows("SELECT path, id FROM collections WHERE path = ANY(\(paths)::text[])", logger: logger) {
            let (path, id) = try row.decode((String, Int64).self)
            ensured.ids[ExactName(path)] = id
        }
    }
}

/// Byte order, PostgreSQL's `COLLATE "C"`.
func byteOrder(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}

// MARK: - Registering objects

extension PostgresCatalog {
    /// One transaction of at most five round trips, whatever the batch size: collections, insert the
    /// new objects with their first replica, lock and read the existing ones with their replicas,
    /// then write every change in one statement.
    public func register(_ registrations: [ObjectRegistration]) async throws -> [UpsertOutcome] {
        guard !registrations.isEmpty else { return [] }
        let resourceIDs = try await resourceIDs(for: registrations.map(\.resource))
        let now = currentTimestamp()
        let (url, logger) = (url, logger)
        return try await transaction { connection in
            let collections = try await Self.ensureCollections(
                uniqueByBytes(registrations.map(\.collection)), now: now, on: connection, logger: logger)
            let keys = registrations.map { registration in
                (object: ObjectKey(collectionID: collections.id(of: registration.collection)!, name: registration.name),
                 resourceID: resourceIDs[registration.resource]!)
            }
            let created = try await Self.insertNewObjects(registrations, keys: keys, now: now, on: connection, logger: logger)
            let existingKeys = Set(keys.map(\.object)).subtracting(created.keys).sorted()
            let (existing, replicas) = try await Self.lockObjects(existingKeys, on: connection, logger: logger)
            guard let plan = RegistrationPlan(
                registrations: registrations, keys: keys, created: created, existing: existing, replicas: replicas)
            else {
                throw PostgresCatalogError.concurrentChange(server: url.server, what: "an object being registered")
            }
            try await Self.write(plan, now: now, on: connection, logger: logger)
            return plan.outcomes
        }
    }

    /// Inserts the objects that are not there yet, with their first replica, in key order. Tried
    /// first because a bulk load creates most objects, and a created object needs no look-up.
    /// - Returns: the ids of the objects this statement created.
    private static func insertNewObjects(
        _ registrations: [ObjectRegistration], keys: [(object: ObjectKey, resourceID: Int64)], now: Timestamp,
        on connection: PostgresPool.Connection, logger: Logger
    ) async throws -> [ObjectKey: Int64] {
        var firstIndex: [ObjectKey: Int] = [:]
        for (index, key) in keys.enumerated() where firstIndex[key.object] == nil {
            firstIndex[key.object] = index
        }
        let rows = firstIndex.sorted { $0.key < $1.key }.map { (registrations[$0.value], keys[$0.value]) }
        let inserted = try await connection.rows("""
            WITH input AS (
                SELECT * FROM unnest(
                    \(rows.map(\.1.object.collectionID))::bigint[], \(rows.map(\.1.object.name))::text[],
                    \(rows.map(\.0.size))::bigint[], \(rows.map(\.0.mtimeNanos))::bigint[],
                    \(rows.map { $0.0.checksum ?? "" })::text[], \(rows.map { $0.0.checksum != nil })::boolean[],
                    \(rows.map(\.1.resourceID))::bigint[], \(rows.map(\.0.physicalPath))::text[]
                ) AS t(collection_id, name, size, mtime_ns, checksum, has_checksum, resource_id, physical_path)
            ), created AS (
                INSERT INTO data_objects (collection_id, name, size, mtime_ns, checksum, created_at, modified_at)
                SELECT collection_id, name, size, mtime_ns, CASE WHEN has_checksum THEN checksum END, \(now), \(now)
                FROM input ORDER BY collection_id, name COLLATE "C"
                ON CONFLICT (collection_id, name) DO NOTHING
                RETURNING id, collection_id, name
            ), first_replicas AS (
                INSERT INTO replicas (object_id, resource_id, number, physical_path, size, mtime_ns, checksum, status, modified_at)
                SELECT c.id, i.resource_id, 0, i.physical_path, i.size, i.mtime_ns,
                    CASE WHEN i.has_checksum THEN i.checksum END, 'good', \(now)
                FROM created c JOIN input i ON i.collection_id = c.collection_id AND i.name = c.name
            )
            SELECT id, collection_id, name FROM created
            """, logger: logger)
        var created: [ObjectKey: Int64] = [:]
        for row in inserted {
            let (id, collectionID, name) = try row.decode((Int64, Int64, String).self)
            created[ObjectKey(collectionID: collectionID, name: name)] = id
        }
        return created
    }

    /// Locks the objects that were there already (in key order, as every batch does) and reads
    /// them with all their replicas, which a content change marks stale.
    private static func lockObjects(
        _ keys: [ObjectKey], on connection: PostgresPool.Connection, logger: Logger
    ) async throws -> (objects: [ObjectKey: StoredObject], replicas: [Int64: [Int64: StoredReplica]]) {
        guard !keys.isEmpty else { return ([:], [:]) }
        var objects: [ObjectKey: StoredObject] = [:]
        for row in try await connection.rows("""
            SELECT o.id, o.collection_id, o.name, o.size, o.mtime_ns, o.checksum
            FROM data_objects o
            JOIN unnest(\(keys.map(\.collectionID))::bigint[], \(keys.map(\.name))::text[]) AS k(collection_id, name)
                ON o.collection_id = k.collection_id AND o.name = k.name
            ORDER BY o.collection_id, o.name
            FOR UPDATE OF o
            """, logger: logger)
        {
            let (id, collectionID, name, size, mtime, checksum) = try row.decode((Int64, Int64, String, Int64, Int64, String?).self)
            objects[ObjectKey(collectionID: collectionID, name: name)] = StoredObject(id: id, size: size, mtimeNanos: mtime, checksum: checksum)
        }
        var replicas: [Int64: [Int64: StoredReplica]] = [:]
        for row in try await connection.rows("""
            SELECT object_id, resource_id, number, physical_path, size, mtime_ns, checksum, status
            FROM replicas WHERE object_id = ANY(\(objects.values.map(\.id))::bigint[])
            """, logger: logger)
        {
            let (objectID, resourceID, number, path, size, mtime, checksum, status) =
                try row.decode((Int64, Int64, Int, String, Int64, Int64, String?, String).self)
            replicas[objectID, default: [:]][resourceID] = StoredReplica(
                number: number, physicalPath: path, size: size, mtimeNanos: mtime, checksum: checksum,
                status: ReplicaStatus(rawValue: status) ?? .stale)
        }
        return (objects, replicas)
    }

    /// Object updates, replica rewrites and stale marks, and metadata, in one statement.
    private static func write(_ plan: RegistrationPlan, now: Timestamp, on connection: PostgresPool.Connection, logger: Logger) async throws {
        guard !plan.objectUpdates.isEmpty || !plan.replicaWrites.isEmpty || !plan.metadata.isEmpty else { return }
        let objects = plan.objectUpdates.values.sorted { $0.id < $1.id }
        let replicas = plan.replicaWrites.sorted { $0.key < $1.key }
        let metadata = plan.metadata
        try await connection.query("""
            WITH object_updates AS (
                UPDATE data_objects o
                SET size = u.size, mtime_ns = u.mtime_ns, checksum = CASE WHEN u.has_checksum THEN u.checksum END,
                    modified_at = \(now)
                FROM unnest(
                    \(objects.map(\.id))::bigint[], \(objects.map(\.size))::bigint[], \(objects.map(\.mtimeNanos))::bigint[],
                    \(objects.map { $0.checksum ?? "" })::text[], \(objects.map { $0.checksum != nil })::boolean[]
                ) AS u(id, size, mtime_ns, checksum, has_checksum)
                WHERE o.id = u.id
            ), replica_writes AS (
                INSERT INTO replicas (object_id, resource_id, number, physical_path, size, mtime_ns, checksum, status, modified_at)
                SELECT w.object_id, w.resource_id, w.number::integer, w.physical_path, w.size, w.mtime_ns,
                    CASE WHEN w.has_checksum THEN w.checksum END, w.status, \(now)
                FROM unnest(
                    \(replicas.map(\.key.objectID))::bigint[], \(replicas.map(\.key.resourceID))::bigint[],
                    \(replicas.map { Int64($0.value.number) })::bigint[], \(replicas.map(\.value.physicalPath))::text[],
                    \(replicas.map(\.value.size))::bigint[], \(replicas.map(\.value.mtimeNanos))::bigint[],
                    \(replicas.map { $0.value.checksum ?? "" })::text[], \(replicas.map { $0.value.checksum != nil })::boolean[],
                    \(replicas.map(\.value.status.rawValue))::text[]
                ) AS w(object_id, resource_id, number, physical_path, size, mtime_ns, checksum, has_checksum, status)
                ORDER BY w.object_id, w.resource_id
                ON CONFLICT (object_id, resource_id) DO UPDATE SET
                    physical_path = excluded.physical_path, size = excluded.size, mtime_ns = excluded.mtime_ns,
                    checksum = excluded.checksum, status = excluded.status, modified_at = excluded.modified_at
            ), metadata_rows AS (
                INSERT INTO metadata (target_type, target_id, attribute, value, units)
                SELECT 'data_object', m.target_id, m.attribute, m.value, m.units
                FROM unnest(
                    \(metadata.map(\.objectID))::bigint[], \(metadata.map(\.triple.attribute))::text[],
                    \(metadata.map(\.triple.value))::text[], \(metadata.map(\.triple.units))::text[]
                ) AS m(target_id, attribute, value, units)
                ORDER BY 2, 3, 4, 5
                ON CONFLICT DO NOTHING
            )
            SELECT 1
            """, logger: logger)
    }
}
