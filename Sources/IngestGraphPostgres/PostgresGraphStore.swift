import Foundation
import IngestGraph
import PostgresNIO

/// The distributed graph store: one graph in a PostgreSQL database that workers on many machines
/// share (`backend_client: TYPE: postgres`).
///
/// The same rows as the SQLite `SQLiteGraphStore` (nodes with their children and cross edges as blobs,
/// parents, built chunks), keyed by the graph's small id in `graphs` so one database holds any
/// number of graphs. A chunk's rows are written in one transaction of a few batched statements
/// (arrays bound as parameters, at most `batchRows` rows each), as idempotent upserts: running a
/// chunk twice writes exactly the same rows.
public final class PostgresGraphStore: GraphStore {
    /// Rows per statement: bounds a statement's size (and how long it holds its locks) however
    /// large a chunk is.
    static let batchRows = 4000

    let database: PostgresGraphDatabase
    /// The graph's name (its GRAPH_ID) and its key in every table.
    public let graph: String
    let key: Int32

    init(database: PostgresGraphDatabase, graph: String, key: Int32) {
        self.database = database
        self.graph = graph
        self.key = key
    }

    /// Opens the store of `graph` in `database`, adding the graph when `create` is set.
    /// - Throws: `GraphError.graphNotFound` when the graph is not there and `create` is not set.
    public static func open(graph: String, in database: PostgresGraphDatabase, create: Bool) async throws -> PostgresGraphStore {
        if create {
            // Committed on its own: two processes creating one graph agree on one row.
            _ = try await database.rows("INSERT INTO graphs (name) VALUES (\(graph)) ON CONFLICT (name) DO NOTHING")
        }
        guard let row = try await database.rows("SELECT id FROM graphs WHERE name = \(graph)").first else {
            throw GraphError.graphNotFound(graph: graph, store: "PostgreSQL at \(database.server)")
        }
        return PostgresGraphStore(database: database, graph: graph, key: try row.decode(Int32.self))
    }

    public var location: String { "PostgreSQL at \(database.server) (graph '\(graph)')" }

    /// Nothing to release: the database (and its connections) belongs to whoever connected it,
    /// and is shared by every graph in it.
    public func close() async {}

    // MARK: - Meta

    public func meta() async throws -> GraphMeta? {
        guard let row = try await database.rows("SELECT meta::text FROM graphs WHERE id = \(key)").first,
            let text = try row.decode(String?.self)
        else { return nil }
        return try JSONDecoder().decode(GraphMeta.self, from: Data(text.utf8))
    }

    public func setMeta(_ meta: GraphMeta) async throws {
        let text = String(decoding: try JSONEncoder().encode(meta), as: UTF8.self)
        _ = try await database.rows("UPDATE graphs SET meta = \(text)::jsonb WHERE id = \(key)")
    }

    public func isEmpty() async throws -> Bool {
        try await database.rows("SELECT EXISTS (SELECT 1 FROM graph_chunks WHERE graph = \(key))").first?.decode(Bool.self) != true
    }

    // MARK: - Chunk builds

    public func firstUnbuilt(_ chunks: [ChunkCoordinate], layout: NodeIDLayout) async throws -> ChunkCoordinate? {
        let ids = chunks.map { StoredIDs.stored(layout.chunkID($0)) }
        let built = Set(try await database.rows("SELECT id FROM graph_chunks WHERE graph = \(key) AND id = ANY(\(ids)::bigint[])")
            .map { try $0.decode(Int64.self) })
        return zip(chunks, ids).first { !built.contains($0.1) }?.0
    }

    public func childNodes(of chunks: [ChunkCoordinate], layout: NodeIDLayout) async throws -> [ChildNode] {
        let ranges = chunks.map { StoredIDs.range(of: $0, layout: layout) }
        let rows = try await database.rows("""
            SELECT n.id, n.cross_edges
            FROM unnest(\(ranges.map(\.lower))::bigint[], \(ranges.map(\.upper))::bigint[]) AS r(lower, upper)
            JOIN graph_nodes n ON n.graph = \(key) AND n.id BETWEEN r.lower AND r.upper
            WHERE octet_length(n.cross_edges) > 0
            """)
        return try rows.map { row in
            let (id, crossEdges) = try row.decode((Int64, ByteBuffer).self)
            return ChildNode(id: UInt64(bitPattern: id), crossEdges: NodeBlobs.decodeCrossEdges(Data(crossEdges.readableBytesView)))
        }
    }

    // MARK: - Reading nodes

    public func node(_ id: UInt64) async throws -> GraphNode? {
        try await nodes([id]).first
    }

    public func nodes(_ ids: [UInt64]) async throws -> [GraphNode] {
        guard !ids.isEmpty else { return [] }
        return try Self.nodes(from: await database.rows(
            "\(unescaped: Self.selectNodes) WHERE n.graph = \(key) AND n.id = ANY(\(ids.map(StoredIDs.stored))::bigint[])"))
    }

    public func nodes(in chunk: ChunkCoordinate, layout: NodeIDLayout) async throws -> [GraphNode] {
        let range = StoredIDs.range(of: chunk, layout: layout)
        return try Self.nodes(from: await database.rows(
            "\(unescaped: Self.selectNodes) WHERE n.graph = \(key) AND n.id BETWEEN \(range.lower) AND \(range.upper) ORDER BY n.id"))
    }

    public func allNodes() async throws -> [GraphNode] {
        try Self.nodes(from: await database.rows("\(unescaped: Self.selectNodes) WHERE n.graph = \(key) ORDER BY n.id"))
    }

    public func buildOrder(layout: NodeIDLayout) async throws -> [ChunkCoordinate] {
        try await database.rows("SELECT id FROM graph_chunks WHERE graph = \(key) ORDER BY sequence")
            .map { layout.chunk(of: UInt64(bitPattern: try $0.decode(Int64.self))) }
    }

    static let selectNodes = """
        SELECT n.id, n.children, n.cross_edges, p.parent
        FROM graph_nodes n LEFT JOIN graph_parents p ON p.graph = n.graph AND p.child = n.id
        """

    static func nodes(from rows: [PostgresRow]) throws -> [GraphNode] {
        try rows.map { row in
            let (id, children, crossEdges, parent) = try row.decode((Int64, ByteBuffer, ByteBuffer, Int64?).self)
            return GraphNode(
                id: UInt64(bitPattern: id), parent: parent.map { UInt64(bitPattern: $0) },
                children: NodeBlobs.decodeIDs(Data(children.readableBytesView)),
                crossEdges: NodeBlobs.decodeCrossEdges(Data(crossEdges.readableBytesView)))
        }
    }
}
