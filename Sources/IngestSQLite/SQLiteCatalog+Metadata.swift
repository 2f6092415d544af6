import GRDB
import IngestCore

extension SQLiteCatalog {
    /// One short transaction: the paths are looked up once each, then the reduced edit
    /// (`MetadataEdit`) runs as prepared statements, removals before additions. A missing path
    /// throws before anything is written, and the transaction rolls back all the same.
    public func applyMetadata(_ changes: [MetadataChange]) async throws {
        guard !changes.isEmpty else { return }
        let edit = MetadataEdit(changes)
        try await writer.writeShort { db in
            var targets: [ExactName: MetadataTarget] = [:]
            for path in edit.paths {
                guard let target = try Self.metadataTarget(path, db: db) else { throw IngestError.notFoundInCatalog(path) }
                targets[ExactName(path)] = target
            }
            let removeAll = try db.cachedStatement(sql: "DELETE FROM metadata WHERE target_type = ? AND target_id = ?")
            let removeAttribute = try db.cachedStatement(
                sql: "DELETE FROM metadata WHERE target_type = ? AND target_id = ? AND attribute = ?")
            let removeTriple = try db.cachedStatement(
                sql: "DELETE FROM metadata WHERE target_type = ? AND target_id = ? AND attribute = ? AND value = ? AND units = ?")
            for removal in edit.removals {
                let target = targets[ExactName(removal.path)]!
                switch removal.pattern {
                case .all:
                    try removeAll.execute(arguments: [target.type, target.id])
                case .attribute(let attribute):
                    try removeAttribute.execute(arguments: [target.type, target.id, attribute])
                case .triple(let triple):
                    try removeTriple.execute(arguments: [target.type, target.id, triple.attribute, triple.value, triple.units])
                }
            }
            let insert = try db.cachedStatement(sql: """
                INSERT INTO metadata (target_type, target_id, attribute, value, units) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """)
            for addition in edit.additions {
                let target = targets[ExactName(addition.path)]!
                let triple = addition.triple
                try insert.execute(arguments: [target.type, target.id, triple.attribute, triple.value, triple.units])
            }
        }
    }

    /// What metadata rows point at: `target_type` and `target_id`.
    struct MetadataTarget {
        var type: String
        var id: Int64
    }

    /// The collection at `path`, else the data object there, else nil.
    static func metadataTarget(_ path: String, db: Database) throws -> MetadataTarget? {
        if let id = try collectionID(path, db: db) { return MetadataTarget(type: "collection", id: id) }
        if let id = try objectID(path, db: db) { return MetadataTarget(type: "data_object", id: id) }
        return nil
    }
}
