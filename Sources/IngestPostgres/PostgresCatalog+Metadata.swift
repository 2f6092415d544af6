import IngestCore
import Logging
import PostgresNIO

extension PostgresCatalog {
    /// One transaction of three statements whatever the number of changes: look up every path,
    /// delete what the reduced edit (`MetadataEdit`) removes, insert what it adds. Each statement
    /// binds its rows as arrays, so a batch of hundreds of changes costs what one change does.
    public func applyMetadata(_ changes: [MetadataChange]) async throws {
        guard !changes.isEmpty else { return }
        let edit = MetadataEdit(changes)
        let logger = logger
        try await transaction { connection in
            let targets = try await Self.metadataTargets(edit.paths, on: connection, logger: logger)
            try await Self.delete(edit.removals, targets: targets, on: connection, logger: logger)
            try await Self.insert(edit.additions, targets: targets, on: connection, logger: logger)
        }
    }

    /// What metadata rows point at: `target_type` and `target_id`.
    struct MetadataTarget: Sendable {
        var type: String
        var id: Int64
    }

    /// The collection at each path, else the data object there, in one query.
    /// - Throws: `IngestError.notFoundInCatalog` for the first path that has neither.
    private static func metadataTargets(
        _ paths: [String], on connection: PostgresPool.Connection, logger: Logger
    ) async throws -> [ExactName: MetadataTarget] {
        let parents = paths.map { LogicalPath.parent(of: $0) ?? "" }
        let names = paths.map { LogicalPath.name(of: $0) }
        var found: [Int: MetadataTarget] = [:]
        for row in try await connection.rows("""
            SELECT p.i, c.id, o.id
            FROM unnest(\(paths)::text[], \(parents)::text[], \(names)::text[]) WITH ORDINALITY AS p(path, parent, name, i)
            LEFT JOIN collections c ON c.path = p.path
            LEFT JOIN collections pc ON pc.path = p.parent
            LEFT JOIN data_objects o ON o.collection_id = pc.id AND o.name = p.name
            """, logger: logger)
        {
            let (ordinal, collectionID, objectID) = try row.decode((Int64, Int64?, Int64?).self)
            // A collection wins over an object of the same path, as in SQLite.
            if let collectionID {
                found[Int(ordinal) - 1] = MetadataTarget(type: "collection", id: collectionID)
            } else if let objectID {
                found[Int(ordinal) - 1] = MetadataTarget(type: "data_object", id: objectID)
            }
        }
        var targets: [ExactName: MetadataTarget] = [:]
        for (index, path) in paths.enumerated() {
            guard let target = found[index] else { throw IngestError.notFoundInCatalog(path) }
            targets[ExactName(path)] = target
        }
        return targets
    }

    /// Every removal in one statement; a pattern's `scope` says how much of a triple it compares.
    private static func delete(
        _ removals: [MetadataEdit.Removal], targets: [ExactName: MetadataTarget], on connection: PostgresPool.Connection,
        logger: Logger
    ) async throws {
        guard !removals.isEmpty else { return }
        var (types, ids, scopes, attributes, values, units) = ([String](), [Int64](), [String](), [String](), [String](), [String]())
        for removal in removals {
            let target = targets[ExactName(removal.path)]!
            types.append(target.type)
            ids.append(target.id)
            switch removal.pattern {
            case .all:
                scopes.append("all")
                attributes.append("")
                values.append("")
                units.append("")
            case .attribute(let attribute):
                scopes.append("attribute")
                attributes.append(attribute)
                values.append("")
                units.append("")
            case .triple(let triple):
                scopes.append("triple")
                attributes.append(triple.attribute)
                values.append(triple.value)
                units.append(triple.units)
            }
        }
        try await connection.query("""
            DELETE FROM metadata m
            USING unnest(
                \(types)::text[], \(ids)::bigint[], \(scopes)::text[], \(attributes)::text[], \(values)::text[], \(units)::text[]
            ) AS d(target_type, target_id, scope, attribute, value, units)
            WHERE m.target_type = d.target_type AND m.target_id = d.target_id
                AND (d.scope = 'all' OR (m.attribute = d.attribute
                    AND (d.scope = 'attribute' OR (m.value = d.value AND m.units = d.units))))
            """, logger: logger)
    }

    /// Every addition in one statement, in sorted order so that concurrent batches take the index's
    /// locks in the same order; a triple already there is kept once.
    private static func insert(
        _ additions: [MetadataEdit.Addition], targets: [ExactName: MetadataTarget], on connection: PostgresPool.Connection,
        logger: Logger
    ) async throws {
        guard !additions.isEmpty else { return }
        let resolved = additions.map { (target: targets[ExactName($0.path)]!, triple: $0.triple) }
        try await connection.query("""
            INSERT INTO metadata (target_type, target_id, attribute, value, units)
            SELECT a.target_type, a.target_id, a.attribute, a.value, a.units
            FROM unnest(
                \(resolved.map(\.target.type))::text[], \(resolved.map(\.target.id))::bigint[],
                \(resolved.map(\.triple.attribute))::text[], \(resolved.map(\.triple.value))::text[],
                \(resolved.map(\.triple.units))::text[]
            ) AS a(target_type, target_id, attribute, value, units)
            ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT DO NOTHING
            """, logger: logger)
    }
}
