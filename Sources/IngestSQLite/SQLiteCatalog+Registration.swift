import GRDB
import IngestCore

/// The statements of one `register` batch, prepared once per batch, and the two paths a
/// registration takes: a new object, or one already in the catalog (decided by `RegistrationChange`).
struct RegistrationStatements {
    let db: Database
    let insertObjectIfAbsent: Statement
    let insertFirstReplica: Statement
    let findObject: Statement
    let updateObject: Statement
    let findReplica: Statement
    let upsertReplica: Statement
    let markStale: Statement

    init(db: Database) throws {
        self.db = db
        insertObjectIfAbsent = try db.cachedStatement(sql: """
            INSERT INTO data_objects (collection_id, name, size, mtime_ns, checksum, created_at, modified_at)
            VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (collection_id, name) DO NOTHING
            """)
        insertFirstReplica = try db.cachedStatement(sql: """
            INSERT INTO replicas (object_id, resource_id, number, physical_path, size, mtime_ns, checksum, status, modified_at)
            VALUES (?, ?, 0, ?, ?, ?, ?, 'good', ?)
            """)
        findObject = try db.cachedStatement(sql: "SELECT id, size, mtime_ns, checksum FROM data_objects WHERE collection_id = ? AND name = ?")
        updateObject = try db.cachedStatement(sql: """
            UPDATE data_objects SET size = ?, mtime_ns = ?, checksum = ?, modified_at = ? WHERE id = ?
            """)
        findReplica = try db.cachedStatement(sql: """
            SELECT physical_path, size, mtime_ns, checksum, status FROM replicas WHERE object_id = ? AND resource_id = ?
            """)
        upsertReplica = try db.cachedStatement(sql: """
            INSERT INTO replicas (object_id, resource_id, number, physical_path, size, mtime_ns, checksum, status, modified_at)
            VALUES (?, ?, (SELECT COALESCE(MAX(number) + 1, 0) FROM replicas WHERE object_id = ?), ?, ?, ?, ?, 'good', ?)
            ON CONFLICT (object_id, resource_id) DO UPDATE SET
                physical_path = excluded.physical_path, size = excluded.size, mtime_ns = excluded.mtime_ns,
                checksum = excluded.checksum, status = 'good', modified_at = excluded.modified_at
            """)
        markStale = try db.cachedStatement(sql: """
            UPDATE replicas SET status = 'stale', modified_at = ? WHERE object_id = ? AND resource_id != ? AND status != 'stale'
            """)
    }

    /// Creates the object with its first replica, unless an object of that name exists.
    /// - Returns: The new object's id, or nil when it existed.
    func insertIfAbsent(_ registration: ObjectRegistration, collectionID: Int64, resourceID: Int64, now: Timestamp) throws -> (Int64, UpsertOutcome)? {
        let insertObject = DirectStatement(insertObjectIfAbsent, database: db)
        insertObject.bind(1, collectionID)
        insertObject.bind(2, registration.name)
        insertObject.bind(3, registration.size)
        insertObject.bind(4, registration.mtimeNanos)
        insertObject.bind(5, registration.checksum)
        insertObject.bind(6, now)
        insertObject.bind(7, now)
        try insertObject.execute()
        guard db.changesCount == 1 else { return nil }
        let objectID = db.lastInsertedRowID
        let insertReplica = DirectStatement(insertFirstReplica, database: db)
        insertReplica.bind(1, objectID)
        insertReplica.bind(2, resourceID)
        insertReplica.bind(3, registration.physicalPath)
        insertReplica.bind(4, registration.size)
        insertReplica.bind(5, registration.mtimeNanos)
        insertReplica.bind(6, registration.checksum)
        insertReplica.bind(7, now)
        try insertReplica.execute()
        return (objectID, .created)
    }

    /// Registers a file again over an existing object: new content updates the object and makes
    /// other resources' replicas stale; the replica on this resource is written when it changed.
    func updateExisting(_ registration: ObjectRegistration, collectionID: Int64, resourceID: Int64, now: Timestamp) throws -> (Int64, UpsertOutcome) {
        // The insert just found it, in the same transaction.
        let existing = try Row.fetchOne(findObject, arguments: [collectionID, registration.name])!
        let objectID: Int64 = existing["id"]
        let objectChanged = RegistrationChange.objectChanged(
            size: existing["size"], mtimeNanos: existing["mtime_ns"], checksum: existing["checksum"], registration: registration)
        if objectChanged {
            // New content without a new checksum has no known checksum.
            try updateObject.execute(arguments: [registration.size, registration.mtimeNanos, registration.checksum, now, objectID])
        }
        let replica = try Row.fetchOne(findReplica, arguments: [objectID, resourceID])
        let replicaChanged = RegistrationChange.replicaChanged(
            replica.map { ($0["physical_path"], $0["size"], $0["mtime_ns"], ReplicaStatus(rawValue: $0["status"]) ?? .stale) },
            registration: registration)
        let outcome = RegistrationChange.outcome(objectChanged: objectChanged, replicaChanged: replicaChanged, registration: registration)
        if objectChanged {
            try markStale.execute(arguments: [now, objectID, resourceID])
        }
        if outcome != .unchanged {
            try upsertReplica.execute(arguments: [
                objectID, resourceID, objectID, registration.physicalPath, registration.size, registration.mtimeNanos,
                registration.checksum, now,
            ])
        }
        return (objectID, outcome)
    }
}
