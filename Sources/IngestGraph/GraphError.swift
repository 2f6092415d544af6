/// Errors of the graph job; each names the file, key or chunk and the fix.
public enum GraphError: Error, CustomStringConvertible, Equatable {
    /// The dataset file cannot be used: `file` is the dataset file, `key` the offending key.
    case invalidDataset(file: String, key: String, reason: String)
    /// Several problems of one dataset file, reported together so one edit can fix them all.
    case invalidDatasetKeys(file: String, problems: [String])
    case invalidGeometry(String)
    /// The chunk grid is too large for the node ids or for one graph: `problem` names the limit,
    /// `alternative` a fix other than larger chunks, where there is one.
    case gridTooLarge(grid: [Int], layers: Int, fanout: Int, problem: String, alternative: String?)
    /// A chunk's input file is malformed.
    case badChunkFile(path: String, reason: String)
    /// An input in a bucket cannot be reached by this process (no client, no credentials).
    case inputUnreachable(key: String, location: String, reason: String)
    /// A parent chunk was run before one of its children was built.
    case childNotBuilt(chunk: String, child: String)
    case graphExists(graph: String, store: String)
    case graphNotFound(graph: String, store: String)
    case nodeNotFound(UInt64)
    case unsupportedBackend(String)
    case invalidNode(String)

    public var description: String {
        switch self {
        case .invalidDataset(let file, let key, let reason):
            "dataset file \(file): \(key): \(reason)"
        case .invalidDatasetKeys(let file, let problems):
            "dataset file \(file) has \(problems.count) problems:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
        case .invalidGeometry(let reason):
            "graph_config: \(reason)"
        case .gridTooLarge(let grid, let layers, let fanout, let problem, let alternative):
            "graph_config: \(Self.gridText(grid, layers: layers, fanout: fanout)): \(problem); use larger chunks (CHUNK_SIZE)"
                + (alternative.map { ", or \($0)" } ?? "")
        case .badChunkFile(let path, let reason):
            "\(path): \(reason)"
        case .inputUnreachable(let key, let location, let reason):
            "\(key) is \(location), which this process cannot read: \(reason)"
        case .childNotBuilt(let chunk, let child):
            "chunk \(chunk) cannot be built before its child chunk \(child); build that first (`ingest chunk l\(child.split(separator: "_").first ?? "2") \(child.split(separator: "_").joined(separator: " "))`) or wait for it"
        case .graphExists(let graph, let store):
            "graph '\(graph)' already exists in \(store); pick another GRAPH_ID, or pass --retry to run its ingest again into the same store"
        case .graphNotFound(let graph, let store):
            "no graph '\(graph)' in \(store); `ingest graph GRAPH_ID dataset.yml` builds one (or pass --store)"
        case .nodeNotFound(let id):
            "node \(id) is not in the graph; ids come from `ingest graph leaves` or `ingest graph root`"
        case .unsupportedBackend(let reason):
            "backend_client: \(reason)"
        case .invalidNode(let reason):
            reason
        }
    }

    /// `a grid of 4096 x 1 x 1 layer-2 chunks in 14 layers (FANOUT 2)`.
    static func gridText(_ grid: [Int], layers: Int, fanout: Int) -> String {
        "a grid of \(grid.map(String.init).joined(separator: " x ")) layer-2 chunks in \(layers) layers (FANOUT \(fanout))"
    }
}
