import Foundation
import IngestCore
import Synchronization

/// Where a graph's nodes live: what chunk builds write and queries read, whatever the backend.
///
/// Two stores implement it: `SQLiteGraphStore` (an SQLite file per graph, shared by the workers of one
/// machine) and `PostgresGraphStore` (module `IngestGraphPostgres`: a PostgreSQL database shared by
/// workers on many machines). The builders and the query commands see only this protocol, and one
/// test suite runs against both.
///
/// Every write is idempotent: node ids are derived from the input, so a chunk built twice writes
/// exactly the same rows.
public protocol GraphStore: Sendable {
    /// The store for messages: a file path, or a server and graph; never a password.
    var location: String { get }

    /// The graph's shape and inputs, or nil before `setMeta`.
    func meta() async throws -> GraphMeta?
    func setMeta(_ meta: GraphMeta) async throws
    /// Whether no chunk has been built yet.
    func isEmpty() async throws -> Bool

    /// The first of `chunks` not built yet, or nil when all are.
    func firstUnbuilt(_ chunks: [ChunkCoordinate], layout: NodeIDLayout) async throws -> ChunkCoordinate?
    /// The nodes of `chunks` that still have cross edges: what a parent build reads (the others
    /// already have their roots).
    func childNodes(of chunks: [ChunkCoordinate], layout: NodeIDLayout) async throws -> [ChildNode]
    /// Writes a chunk build atomically: its nodes, the roots it made, its children's parents, and
    /// the chunk's record.
    ///
    /// - Parameters:
    ///   - run: the ingest run that queued the build; `token` is unique to the task that asked for it
    ///     (kept across re-deliveries and requeues; a new `ingest chunk` task has a new one).
    /// - Returns: whether the build counts towards the run's completed chunks: the first build of
    ///   the chunk in this run, or the same task again (its first completion was never recorded).
    ///   A deliberate re-run (`ingest chunk`) writes the same rows and does not count twice.
    @discardableResult
    func writeChunk(_ chunk: ChunkCoordinate, build: ChunkBuild, run: String, token: String, layout: NodeIDLayout) async throws -> Bool

    /// One node with its parent, or nil when the graph has no such node.
    func node(_ id: UInt64) async throws -> GraphNode?
    /// The nodes among `ids` that exist, in no particular order: one round trip for a level of a
    /// walk down the graph, however wide.
    func nodes(_ ids: [UInt64]) async throws -> [GraphNode]
    /// The nodes of one chunk, by id.
    func nodes(in chunk: ChunkCoordinate, layout: NodeIDLayout) async throws -> [GraphNode]
    /// Every node, ordered by id (as stored: signed 64-bit): for comparing two builds.
    func allNodes() async throws -> [GraphNode]
    /// Built chunks in the order their builds committed.
    func buildOrder(layout: NodeIDLayout) async throws -> [ChunkCoordinate]

    /// Releases connections; the store is not used afterwards.
    func close() async
}

extension GraphStore {
    /// The layer-2 node holding a supervoxel, found among the nodes of the supervoxel's chunk.
    public func layer2Node(ofSupervoxel supervoxel: UInt64, layout: NodeIDLayout) async throws -> GraphNode? {
        try await nodes(in: layout.layer2Chunk(ofSupervoxel: supervoxel), layout: layout).first { $0.children.contains(supervoxel) }
    }
}

/// Where a graph store is, as a job and its tasks record it.
///
/// Recorded as one string (a bare path for SQLite, so specs written before PostgreSQL stores still
/// read): `postgres://user@host:port/db` for a PostgreSQL database named by URL, `postgres:catalog`
/// for the catalog database of whichever process opens it. A URL is recorded without its password
/// (DESIGN.md invariant 8: secrets never travel in task payloads); the process that opens it
/// supplies the password from its own configuration.
public enum GraphStoreLocation: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// An SQLite file holding one graph.
    case sqlite(path: String)
    /// A PostgreSQL database holding any number of graphs: `url`, or nil for the catalog database
    /// (`--catalog`, `INGEST_CATALOG_URL`, `catalog:` in config.yaml) of the opening process.
    case postgres(url: String?)

    static let catalogText = "postgres:catalog"

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        if text == Self.catalogText {
            self = .postgres(url: nil)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            self = .sqlite(path: text)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(recorded)
    }

    /// The form a job records: the path, the URL without its password, or `postgres:catalog`.
    public var recorded: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url?): Self.removingPassword(url)
        case .postgres(nil): Self.catalogText
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url?): Self.removingPassword(url)
        case .postgres(nil): "the PostgreSQL catalog database"
        }
    }

    /// `scheme://user:secret@host/...` without `:secret`; anything else unchanged. The credentials
    /// end at the last `@` before the path, as `ServerURL` (and so `PostgresURL`) reads them: a
    /// password holding `?` or `#` is removed whole.
    static func removingPassword(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<schemeEnd.upperBound]) + rest[..<colon] + rest[at...]
    }
}

/// Opens graph stores by location. The SQLite opener is built in; a process that can reach
/// PostgreSQL passes one that also opens `.postgres` locations (`PostgresGraphStoreOpener`), so
/// that this module needs no database driver.
public protocol GraphStoreOpener: Sendable {
    /// Opens the store of `graph` at `location`, creating the store (and the graph's place in it)
    /// when `create` is set.
    /// - Throws: `GraphError.graphNotFound` when `create` is not set and the graph is not there;
    ///   `GraphError.unsupportedBackend` when this opener cannot reach the location.
    func open(_ location: GraphStoreLocation, graph: String, create: Bool) async throws -> any GraphStore
    /// Releases what the opener holds for the stores it opened (connection pools).
    func close() async
}

extension GraphStoreOpener {
    public func close() async {}
}

/// Opens SQLite stores only; refuses PostgreSQL with the fix.
public struct SQLiteGraphStoreOpener: GraphStoreOpener {
    public init() {}

    public func open(_ location: GraphStoreLocation, graph: String, create: Bool) async throws -> any GraphStore {
        switch location {
        case .sqlite(let path):
            return try SQLiteGraphStore(path: path, create: create, graphID: graph)
        case .postgres:
            throw GraphError.unsupportedBackend(
                "graph '\(graph)' is stored in PostgreSQL (\(location)), which this process cannot open; use `ingest worker`, or TYPE sqlite")
        }
    }
}

/// The stores a worker has open, one per graph and location, each with its meta read once: a chunk
/// task opens its graph's store by the location its payload names.
public final class GraphStores: Sendable {
    /// Opens the stores; also what `GraphJob.prepare` creates a new graph's store with.
    public let opener: any GraphStoreOpener
    private let opened = Mutex<[String: (any GraphStore, GraphMeta)]>([:])

    public init(opener: any GraphStoreOpener = SQLiteGraphStoreOpener()) {
        self.opener = opener
    }

    /// The store of `graph` at `location`, opened on first use.
    /// - Throws: `PermanentTaskError` when the store or the graph is missing: retrying does not make it appear.
    func store(_ location: GraphStoreLocation, graph: String) async throws -> (any GraphStore, GraphMeta) {
        let key = "\(location.recorded)\n\(graph)"
        if let cached = opened.withLock({ $0[key] }) { return cached }
        let store: any GraphStore
        do {
            store = try await opener.open(location, graph: graph, create: false)
        } catch let error as GraphError {
            throw PermanentTaskError("\(error)")
        }
        guard let meta = try await store.meta() else {
            await store.close()
            throw PermanentTaskError("graph store \(store.location) has no graph '\(graph)'; start it with `ingest graph \(graph) dataset.yml`")
        }
        let (kept, duplicate) = opened.withLock { open -> ((any GraphStore, GraphMeta), (any GraphStore)?) in
            if let cached = open[key] { return (cached, store) }
            open[key] = (store, meta)
            return ((store, meta), nil)
        }
        await duplicate?.close()
        return kept
    }

    /// Closes every store opened so far, and the opener.
    public func close() async {
        let stores = opened.withLock { open in
            defer { open.removeAll() }
            return open.values.map(\.0)
        }
        for store in stores { await store.close() }
        await opener.close()
    }
}

/// Node ids as stores keep them: SQLite's and PostgreSQL's signed 64-bit integers with the same
/// bits. A chunk's ids share their high bits (layer, coordinates), so each chunk is one contiguous
/// range in signed order too, which every store scans with its primary key.
public enum StoredIDs {
    @inline(__always) public static func stored(_ id: UInt64) -> Int64 { Int64(bitPattern: id) }

    /// Every id a node of `chunk` can have.
    public static func range(of chunk: ChunkCoordinate, layout: NodeIDLayout) -> (lower: Int64, upper: Int64) {
        let lower = layout.chunkID(chunk)
        return (stored(lower), stored(lower | layout.segmentMask(layer: chunk.layer)))
    }

    /// The ids an earlier build of `chunk` from other input (more nodes or roots than now) may have
    /// written and `build` does not: a store deletes them before writing, so a re-run leaves
    /// exactly the rows of its own build. The root chunk's range holds every chunk's roots; there
    /// each build clears its own part only.
    public static func staleRanges(of chunk: ChunkCoordinate, build: ChunkBuild, layout: NodeIDLayout) -> [(lower: Int64, upper: Int64)] {
        let own = range(of: chunk, layout: layout)
        let firstRoot = stored(layout.rootID(completedIn: chunk, index: 0))
        var stale: [(lower: Int64, upper: Int64)] = [
            (firstRoot + Int64(build.roots.count), firstRoot - 1 + Int64(layout.maximumRootsPerChunk))
        ]
        if chunk.layer < layout.geometry.rootLayer { stale.append((own.lower + Int64(build.nodes.count) + 1, own.upper)) }
        return stale
    }
}
