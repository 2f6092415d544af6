import PostgresNIO

/// One step of a schema. Versions are applied in order, each in its own transaction, and recorded
/// in the schema's table; a step is never edited once released, only followed.
package struct PostgresMigration: Sendable {
    package var version: Int
    package var name: String
    package var statements: [String]

    package init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// The tables one component keeps in a database, and how their migrations are recorded.
package struct PostgresSchema: Sendable {
    /// For log messages ("catalog schema").
    package var name: String
    /// Where applied versions are recorded; its own per component, so that a database can hold
    /// several components' tables (a graph kept in the catalog database).
    package var table: String
    /// Key of the transaction-scoped advisory lock that serializes migrations: many workers start
    /// at once, and only one may create tables while the others wait and then find them. Its own
    /// per component, so that a database holding several migrates each on its own. (Advisory locks
    /// are per database, so databases do not wait for each other.)
    package var lockKey: Int64
    package var migrations: [PostgresMigration]

    package init(name: String, table: String, lockKey: Int64, migrations: [PostgresMigration]) {
        self.name = name
        self.table = table
        self.lockKey = lockKey
        self.migrations = migrations
    }
}

extension PostgresPool {
    /// Applies the migrations of `schema` that this database lacks. Safe to run from many processes
    /// at once.
    /// - Throws: The owner's error (see `Configuration.translate`) for `PostgresPoolFailure.schemaTooNew`
    ///   when the database holds a version newer than this build knows.
    package func migrate(_ schema: PostgresSchema) async throws {
        let known = schema.migrations.last?.version ?? 0
        let logger = logger
        for migration in schema.migrations {
            try await transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(schema.lockKey))", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS \(unescaped: schema.table) (
                        version INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                    )
                    """, logger: logger)
                let applied = try await connection.rows("SELECT version FROM \(unescaped: schema.table)", logger: logger)
                    .map { try $0.decode(Int.self) }
                if let newest = applied.max(), newest > known {
                    throw PostgresPoolFailure.schemaTooNew(found: newest, known: known)
                }
                guard !applied.contains(migration.version) else { return }
                logger.info("migrating \(schema.name)", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO \(unescaped: schema.table) (version, name) VALUES (\(migration.version), \(migration.name))", logger: logger)
            }
        }
    }

    /// The migration versions of `schema` recorded in the database, oldest first.
    package func appliedMigrations(of schema: PostgresSchema) async throws -> [Int] {
        try await rows("SELECT version FROM \(unescaped: schema.table) ORDER BY version").map { try $0.decode(Int.self) }
    }
}
