import Foundation
import GRDB
import GRDBSQLite
import IngestCore

/// What a graph store records about its graph, so workers and queries need nothing else.
public struct GraphMeta: Codable, Sendable, Equatable {
    public var graphID: String
    public var geometry: GraphGeometry
    public var directories: DatasetDirectories
    /// The dataset file the graph was started from, for messages.
    public var datasetFile: String
    /// How chunk builds reach inputs in buckets (no secret: each worker brings its own credentials);
    /// nil when every input is local.
    public var s3: S3Access?

    public init(graphID: String, geometry: GraphGeometry, directories: DatasetDirectories, datasetFile: String, s3: S3Access? = nil) {
        self.graphID = graphID
        self.geometry = geometry
        self.directories = directories
        self.datasetFile = datasetFile
        self.s3 = s3
    }

    public var layout: NodeIDLayout { NodeIDLayout(geometry) }
}

/// The embedded graph store: one SQLite file per graph (WAL), shared by every worker on the machine.
///
/// A node is one row keyed by its id; a chunk's nodes are the id range of that chunk, so a parent
/// reads its children with one range scan per child chunk. A chunk's rows are written in one
/// transaction, and a re-run writes the same rows (node ids are derived from the input).
public final class SQLiteGraphStore: GraphStore {
    public let path: String
    public var location: String { path }
    let pool: DatabasePool

    /// Opens the store at `path`, creating it when `create` is set.
    /// - Throws: `GraphError.graphNotFound` when the file does not exist and `create` is not set.
    public init(path: String, create: Bool = true, graphID: String = "") throws {
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw GraphError.graphNotFound(graph: graphID, store: path)
        }
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(60)
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA cache_size = -32768")
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
        }
        // Under the directory's lock: workers opening a new graph together would all create its tables.
        pool = try DirectoryLock.withExclusiveLock(on: directory) {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            return pool
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("graph v1") { db in
            try db.execute(sql: """
                CREATE TABLE graph_meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE nodes (
                    id INTEGER PRIMARY KEY,
                    children BLOB NOT NULL,
                    cross_edges BLOB NOT NULL
                );
                -- Apart from the nodes: setting a parent then writes a narrow row, not a node's children again.
                CREATE TABLE parents (
                    child INTEGER PRIMARY KEY,
                    parent INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE chunks (
                    id INTEGER PRIMARY KEY,
                    layer INTEGER NOT NULL,
                    nodes INTEGER NOT NULL,
                    run TEXT NOT NULL,
                    token TEXT NOT NULL,
                    sequence INTEGER NOT NULL
                );
                CREATE INDEX chunks_by_sequence ON chunks (sequence);
                """)
        }
        return migrator
    }

    // MARK: - Meta

    public func meta() throws -> GraphMeta? {
        try pool.read { db in
            guard let data = try Data.fetchOne(db, sql: "SELECT value FROM graph_meta WHERE key = 'graph'") else { return nil }
            return try JSONDecoder().decode(GraphMeta.self, from: data)
        }
    }

    public func setMeta(_ meta: GraphMeta) throws {
        let data = try JSONEncoder().encode(meta)
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO graph_meta (key, value) VALUES ('graph', ?)", arguments: [data])
        }
    }

    /// Whether no chunk has been built yet.
    public func isEmpty() throws -> Bool {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM chunks LIMIT 1)") == 0 }
    }

    // MARK: - Chunk builds

    /// The first of `chunks` not built yet, or nil when all are.
    public func firstUnbuilt(_ chunks: [ChunkCoordinate], layout: NodeIDLayout) async throws -> ChunkCoordinate? {
        try await pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM chunks WHERE id = ?")
            for chunk in chunks where try Int.fetchOne(statement, arguments: [Self.stored(layout.chunkID(chunk))]) == nil {
                return chunk
            }
            return nil
        }
    }

    /// The nodes of `chunks` that still have cross edges: what a parent build reads (the others
    /// already have their roots).
    public func childNodes(of chunks: [ChunkCoordinate], layout: NodeIDLayout) async throws -> [ChildNode] {
        try await pool.read { db in
            var result: [ChildNode] = []
            let statement = try db.cachedStatement(sql: "SELECT id, cross_edges FROM nodes WHERE id BETWEEN ? AND ? AND length(cross_edges) > 0")
            for chunk in chunks {
                let range = Self.range(of: chunk, layout: layout)
                let rows = try Row.fetchCursor(statement, arguments: [range.lower, range.upper])
                while let row = try rows.next() {
                    result.append(ChildNode(
                        id: UInt64(bitPattern: row[0] as Int64), crossEdges: NodeBlobs.decodeCrossEdges(row[1] as Data)))
                }
            }
            return result
        }
    }

    /// Writes a chunk build in one transaction: its nodes, the roots it made, its children's parents.
    ///
    /// - Parameters:
    ///   - run: the ingest run that queued the build; `token` is unique to the task that asked for it
    ///     (kept across re-deliveries and requeues; a new `ingest chunk` task has a new one).
    /// - Returns: whether the build counts towards the run's completed chunks: the first build of
    ///   the chunk in this run, or the same task again (its first completion was never recorded).
    ///   A deliberate re-run (`ingest chunk`) writes the same rows and does not count twice.
    @discardableResult
    public func writeChunk(_ chunk: ChunkCoordinate, build: ChunkBuild, run: String, token: String, layout: NodeIDLayout) async throws -> Bool {
        let stale = StoredIDs.staleRanges(of: chunk, build: build, layout: layout)
        let rows = (build.nodes + build.roots).map { node in
            (Self.stored(node.id), NodeBlobs.encode(ids: node.children), NodeBlobs.encode(crossEdges: node.crossEdges))
        }
        let links = build.parentOfChild.map { (Self.stored($0.child), Self.stored($0.parent)) }
            + build.nodes.compactMap { node in node.parent.map { (Self.stored(node.id), Self.stored($0)) } }
        let chunkID = Self.stored(layout.chunkID(chunk))
        return try await pool.write { db in
            // A chunk's rows and its record are written together: without a record there is nothing to replace.
            let previous = try Row.fetchOne(db, sql: "SELECT run, token FROM chunks WHERE id = ?", arguments: [chunkID])
            if previous != nil {
                for (lower, upper) in stale {
                    try db.execute(sql: "DELETE FROM nodes WHERE id BETWEEN ? AND ?", arguments: [lower, upper])
                    try db.execute(sql: "DELETE FROM parents WHERE child BETWEEN ? AND ?", arguments: [lower, upper])
                }
            }
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO nodes (id, children, cross_edges) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET children = excluded.children, cross_edges = excluded.cross_edges
                """)
            for (id, children, crossEdges) in rows {
                // Bound straight through SQLite's API: a chunk writes hundreds of rows, and building
                // GRDB's argument lists for each costs more than the insert.
                sqlite3_bind_int64(upsert.sqliteStatement, 1, id)
                Self.bind(children, to: upsert, at: 2)
                Self.bind(crossEdges, to: upsert, at: 3)
                try Self.step(upsert, db)
            }
            let link = try db.cachedStatement(sql: "INSERT OR REPLACE INTO parents (child, parent) VALUES (?, ?)")
            for (child, parent) in links {
                sqlite3_bind_int64(link.sqliteStatement, 1, child)
                sqlite3_bind_int64(link.sqliteStatement, 2, parent)
                try Self.step(link, db)
            }
            let counts = previous == nil || previous!["run"] as String != run || previous!["token"] as String == token
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO chunks (id, layer, nodes, run, token, sequence)
                    VALUES (?, ?, ?, ?, ?, (SELECT IFNULL(MAX(sequence), 0) + 1 FROM chunks))
                    """,
                arguments: [chunkID, chunk.layer, build.nodes.count + build.roots.count, run, token])
            return counts
        }
    }

    /// Runs a statement whose values were bound through SQLite's API, and readies it for the next row.
    private static func step(_ statement: Statement, _ db: Database) throws {
        let code = sqlite3_step(statement.sqliteStatement)
        sqlite3_reset(statement.sqliteStatement)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
    }

    /// Binds a blob that SQLite copies at once (`SQLITE_TRANSIENT`).
    private static func bind(_ data: Data, to statement: Statement, at index: Int32) {
        data.withUnsafeBytes { bytes in
            // An empty blob still binds as a blob, never NULL (the columns are NOT NULL).
            _ = sqlite3_bind_blob(
                statement.sqliteStatement, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count),
                unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }
    }

    // MARK: - Reading nodes

    static let nodeColumns = "n.id, n.children, n.cross_edges, p.parent FROM nodes n LEFT JOIN parents p ON p.child = n.id"

    public func node(_ id: UInt64) throws -> GraphNode? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.nodeColumns) WHERE n.id = ?", arguments: [Self.stored(id)]).map(Self.node(from:))
        }
    }

    /// The nodes of one chunk, by id.
    public func nodes(in chunk: ChunkCoordinate, layout: NodeIDLayout) throws -> [GraphNode] {
        let range = Self.range(of: chunk, layout: layout)
        return try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.nodeColumns) WHERE n.id BETWEEN ? AND ? ORDER BY n.id", arguments: [range.lower, range.upper])
                .map(Self.node(from:))
        }
    }

    public func nodes(_ ids: [UInt64]) throws -> [GraphNode] {
        try pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT \(Self.nodeColumns) WHERE n.id = ?")
            return try ids.compactMap { try Row.fetchOne(statement, arguments: [Self.stored($0)]).map(Self.node(from:)) }
        }
    }

    /// Every node row, ordered by id: for comparing two builds.
    public func allNodes() throws -> [GraphNode] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT \(Self.nodeColumns) ORDER BY n.id").map(Self.node(from:)) }
    }

    /// Built chunks in the order their builds committed.
    public func buildOrder(layout: NodeIDLayout) throws -> [ChunkCoordinate] {
        try pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM chunks ORDER BY sequence").map { layout.chunk(of: UInt64(bitPattern: $0)) }
        }
    }

    /// Nothing to release: the pool closes its file when the last reference goes.
    public func close() async {}

    // MARK: - Encoding

    @inline(__always) static func stored(_ id: UInt64) -> Int64 { StoredIDs.stored(id) }

    static func range(of chunk: ChunkCoordinate, layout: NodeIDLayout) -> (lower: Int64, upper: Int64) {
        StoredIDs.range(of: chunk, layout: layout)
    }

    static func node(from row: Row) -> GraphNode {
        GraphNode(
            id: UInt64(bitPattern: row["id"]), parent: (row["parent"] as Int64?).map { UInt64(bitPattern: $0) },
            children: NodeBlobs.decodeIDs(row["children"]), crossEdges: NodeBlobs.decodeCrossEdges(row["cross_edges"]))
    }
}
