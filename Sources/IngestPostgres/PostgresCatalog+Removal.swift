import IngestCore
import Logging
import PostgresNIO

extension PostgresCatalog {
    public func unregister(in collection: String, objects: [String], collections: [String]) async throws -> [RemovedReplica] {
        guard !objects.isEmpty || !collections.isEmpty else { return [] }
        let logger = logger
        return try await transaction { connection in
            try await Self.deleteEntries(
                in: collection, objects: objects, subtrees: collections.map { LogicalPath.join(collection, $0) },
                on: connection, logger: logger)
        }
    }

    public func moveToTrash(
        in collection: String, objects: [String], collections: [String], trashRoot: String,
        relocate: @Sendable (_ resource: String, _ physicalPath: String) -> String?
    ) async throws -> [TrashedCopy] {
        guard !objects.isEmpty || !collections.isEmpty else { return [] }
        let now = currentTimestamp()
        let logger = logger
        let collections = uniqueByBytes(collections).sorted(by: byteOrder)
        return try await transaction { connection in
            guard let sourceID = try await connection.rows("SELECT id FROM collections WHERE path = \(collection)", logger: logger)
                .first?.decode(Int64.self)
            else { return [] }
            let zone = LogicalPath.lineage(of: collection).first ?? collection
            let trashCollection = trashRoot + collection.dropFirst(zone.count)
            let ensured = try await Self.ensureCollections([trashCollection], now: now, on: connection, logger: logger)
            let trashID = ensured.id(of: trashCollection)!
            let targets = collections.map { LogicalPath.join(trashCollection, $0) }

            // What the trash held at the same places is replaced.
            var copies = try await Self.deleteEntries(
                in: trashCollection, objects: objects, subtrees: targets, on: connection, logger: logger
            ).map { TrashedCopy(resource: $0.resource, from: $0.physicalPath, to: nil) }

            var moved = try await connection.rows("""
                UPDATE data_objects SET collection_id = \(trashID), modified_at = \(now)
                WHERE collection_id = \(sourceID) AND name = ANY(\(objects)::text[])
                RETURNING id
                """, logger: logger).map { try $0.decode(Int64.self) }
            if !collections.isEmpty {
                let sources = collections.map { SubtreeRange(path: LogicalPath.join(collection, $0)) }
                let movedCollections = try await connection.rows("""
                    UPDATE collections c SET path = t.target || substr(c.path, length(t.source) + 1), modified_at = \(now)
                    FROM unnest(
                        \(sources.map(\.path))::text[], \(sources.map(\.lowerBound))::text[], \(sources.map(\.upperBound))::text[],
                        \(targets)::text[]
                    ) AS t(source, lower_bound, upper_bound, target)
                    WHERE c.path = t.source OR (c.path >= t.lower_bound AND c.path < t.upper_bound)
                    RETURNING c.id
                    """, logger: logger).map { try $0.decode(Int64.self) }
                try await connection.query(
                    "UPDATE collections SET parent_id = \(trashID) WHERE path = ANY(\(targets)::text[])", logger: logger)
                moved += try await connection.rows(
                    "SELECT id FROM data_objects WHERE collection_id = ANY(\(movedCollections)::bigint[])", logger: logger
                ).map { try $0.decode(Int64.self) }
            }
            copies += try await Self.relocateReplicas(of: moved, relocate: relocate, on: connection, logger: logger)
            return copies
        }
    }

    /// Records where `relocate` moves the stored copies of the given objects' replicas.
    private static func relocateReplicas(
        of objectIDs: [Int64], relocate: @Sendable (_ resource: String, _ physicalPath: String) -> String?,
        on connection: PostgresPool.Connection, logger: Logger
    ) async throws -> [TrashedCopy] {
        guard !objectIDs.isEmpty else { return [] }
        var relocated: [(objectID: Int64, resourceID: Int64, copy: TrashedCopy)] = []
        for row in try await connection.rows("""
            SELECT r.object_id, r.resource_id, s.name, r.physical_path FROM replicas r JOIN resources s ON s.id = r.resource_id
            WHERE r.object_id = ANY(\(objectIDs)::bigint[])
            ORDER BY r.object_id, r.resource_id
            """, logger: logger)
        {
            let (objectID, resourceID, resource, path) = try row.decode((Int64, Int64, String, String).self)
            guard let newPath = relocate(resource, path) else { continue }
            relocated.append((objectID, resourceID, TrashedCopy(resource: resource, from: path, to: newPath)))
        }
        guard !relocated.isEmpty else { return [] }
        try await connection.query("""
            UPDATE replicas r SET physical_path = u.physical_path
            FROM unnest(
                \(relocated.map(\.objectID))::bigint[], \(relocated.map(\.resourceID))::bigint[], \(relocated.map { $0.copy.to! })::text[]
            ) AS u(object_id, resource_id, physical_path)
            WHERE r.object_id = u.object_id AND r.resource_id = u.resource_id
            """, logger: logger)
        return relocated.map(\.copy)
    }

    /// Deletes the named objects of a collection and whole subtrees (collections, their objects,
    /// replicas and metadata) in one statement.
    /// - Returns: the removed replicas, so stored copies can be deleted.
    static func deleteEntries(
        in collection: String, objects: [String], subtrees: [String], on connection: PostgresPool.Connection, logger: Logger
    ) async throws -> [RemovedReplica] {
        let ranges = subtrees.map(SubtreeRange.init(path:))
        return try await connection.rows("""
            WITH subtree AS (
                SELECT c.id FROM collections c
                JOIN unnest(\(ranges.map(\.path))::text[], \(ranges.map(\.lowerBound))::text[], \(ranges.map(\.upperBound))::text[])
                    AS t(path, lower_bound, upper_bound)
                    ON c.path = t.path OR (c.path >= t.lower_bound AND c.path < t.upper_bound)
            ), doomed AS (
                SELECT o.id FROM data_objects o JOIN collections c ON c.id = o.collection_id
                WHERE c.path = \(collection) AND o.name = ANY(\(objects)::text[])
                UNION
                SELECT o.id FROM data_objects o WHERE o.collection_id IN (SELECT id FROM subtree)
            ), removed_replicas AS (
                DELETE FROM replicas r USING doomed d WHERE r.object_id = d.id
                RETURNING r.object_id, r.resource_id, r.physical_path
            ), removed_metadata AS (
                DELETE FROM metadata m
                WHERE (m.target_type = 'data_object' AND m.target_id IN (SELECT id FROM doomed))
                    OR (m.target_type = 'collection' AND m.target_id IN (SELECT id FROM subtree))
            ), removed_objects AS (
                DELETE FROM data_objects WHERE id IN (SELECT id FROM doomed)
            ), removed_collections AS (
                DELETE FROM collections WHERE id IN (SELECT id FROM subtree)
            )
            SELECT s.name, r.physical_path FROM removed_replicas r JOIN resources s ON s.id = r.resource_id
            ORDER BY r.object_id, r.resource_id
            """, logger: logger).map {
            let (resource, path) = try $0.decode((String, String).self)
            return RemovedReplica(resource: resource, physicalPath: path)
        }
    }
}
