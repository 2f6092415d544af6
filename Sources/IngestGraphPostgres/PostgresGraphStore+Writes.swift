import Foundation
import IngestGraph
import IngestPostgres
import Logging
import PostgresNIO

extension PostgresGraphStore {
    /// One transaction: lock the chunk, read its record, clear rows an earlier build from other
    /// input left, upsert the nodes and parent links in batches, and record the build.
    ///
    /// The chunk's advisory lock makes two builds of one chunk (a re-delivery while the first
    /// worker still runs) take turns, as SQLite's single writer does, so exactly one of them
    /// counts and neither reads the other's half-written rows. Different chunks write disjoint id
    /// ranges and never wait on each other.
    @discardableResult
    public func writeChunk(_ chunk: ChunkCoordinate, build: ChunkBuild, run: String, token: String, layout: NodeIDLayout) async throws -> Bool {
        let chunkID = StoredIDs.stored(layout.chunkID(chunk))
        let stale = StoredIDs.staleRanges(of: chunk, build: build, layout: layout)
        let nodes = (build.nodes + build.roots).sorted { $0.id < $1.id }
        let links = (build.parentOfChild.map { (StoredIDs.stored($0.child), StoredIDs.stored($0.parent)) }
            + build.nodes.compactMap { node in node.parent.map { (StoredIDs.stored(node.id), StoredIDs.stored($0)) } })
            .sorted { $0.0 < $1.0 }
        let (key, logger) = (key, database.logger)
        let lockKey = Int32(truncatingIfNeeded: chunkID ^ (chunkID >> 32))
        return try await database.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(key), \(lockKey))", logger: logger)
            let previous = try await connection.rows(
                "SELECT run, token FROM graph_chunks WHERE graph = \(key) AND id = \(chunkID)", logger: logger
            ).first.map { try $0.decode((String, String).self) }
            if previous != nil {
                try await connection.query("""
                    WITH ranges AS (
                        SELECT * FROM unnest(\(stale.map(\.lower))::bigint[], \(stale.map(\.upper))::bigint[]) AS r(lower, upper)
                    ), stale_nodes AS (
                        DELETE FROM graph_nodes n USING ranges r WHERE n.graph = \(key) AND n.id BETWEEN r.lower AND r.upper
                    )
                    DELETE FROM graph_parents p USING ranges r WHERE p.graph = \(key) AND p.child BETWEEN r.lower AND r.upper
                    """, logger: logger)
            }
            for batch in stride(from: 0, to: max(nodes.count, links.count), by: Self.batchRows) {
                let someNodes = nodes[min(batch, nodes.count)..<min(batch + Self.batchRows, nodes.count)]
                let someLinks = links[min(batch, links.count)..<min(batch + Self.batchRows, links.count)]
                try await Self.write(nodes: someNodes, links: someLinks, graph: key, on: connection, logger: logger)
            }
            // A re-delivery of the task that built it first (its completion was never recorded) counts;
            // a deliberate re-run in the same run does not.
            let counts = previous == nil || previous!.0 != run || previous!.1 == token
            try await connection.query("""
                INSERT INTO graph_chunks (graph, id, layer, nodes, run, token)
                VALUES (\(key), \(chunkID), \(chunk.layer), \(nodes.count), \(run), \(token))
                ON CONFLICT (graph, id) DO UPDATE SET
                    layer = excluded.layer, nodes = excluded.nodes, run = excluded.run, token = excluded.token,
                    sequence = excluded.sequence
                """, logger: logger)
            return counts
        }
    }

    /// Upserts nodes and parent links in one statement. A row that is already there with the same
    /// values is left alone (locked, not rewritten), so a re-run adds no dead rows.
    private static func write(
        nodes: ArraySlice<GraphNode>, links: ArraySlice<(Int64, Int64)>, graph: Int32, on connection: PostgresPool.Connection, logger: Logger
    ) async throws {
        let ids = nodes.map { StoredIDs.stored($0.id) }
        let children = nodes.map { ByteBuffer(bytes: NodeBlobs.encode(ids: $0.children)) }
        let crossEdges = nodes.map { ByteBuffer(bytes: NodeBlobs.encode(crossEdges: $0.crossEdges)) }
        try await connection.query("""
            WITH node_rows AS (
                INSERT INTO graph_nodes (graph, id, children, cross_edges)
                SELECT \(graph), t.id, t.children, t.cross_edges
                FROM unnest(\(ids)::bigint[], \(children)::bytea[], \(crossEdges)::bytea[]) AS t(id, children, cross_edges)
                ON CONFLICT (graph, id) DO UPDATE SET children = excluded.children, cross_edges = excluded.cross_edges
                WHERE graph_nodes.children <> excluded.children OR graph_nodes.cross_edges <> excluded.cross_edges
            )
            INSERT INTO graph_parents (graph, child, parent)
            SELECT \(graph), t.child, t.parent
            FROM unnest(\(links.map(\.0))::bigint[], \(links.map(\.1))::bigint[]) AS t(child, parent)
            ON CONFLICT (graph, child) DO UPDATE SET parent = excluded.parent
            WHERE graph_parents.parent <> excluded.parent
            """, logger: logger)
    }
}
