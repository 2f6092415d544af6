import Foundation
import IngestCore
internal import Yams

/// Where a graph's nodes are written (`backend_client`).
public enum GraphBackend: Codable, Sendable, Equatable {
    /// An SQLite file; nil means `$INGEST_HOME/graphs/GRAPH_ID.sqlite`.
    case sqlite(path: String?)
    /// A PostgreSQL database shared by workers on many machines: `CONFIG` (or `CONFIG.URL`), or
    /// when that is absent the catalog database (`--catalog`, `INGEST_CATALOG_URL`), which every
    /// distributed worker is already pointed at.
    case postgres(url: String?)
}

/// A dataset file (PyChunkedGraph's `dataset.yml`): where the inputs are, the graph's shape, and where
/// the graph goes. Every key is checked: an unknown or missing key is an error naming it.
public struct GraphDataset: Sendable, Equatable {
    public var file: String
    /// `EDGES` and `COMPONENTS`: local directories or `s3://bucket/prefix`.
    public var directories: DatasetDirectories
    /// The directory (or `s3://bucket/prefix`) holding the watershed's CloudVolume-style `info`.
    public var watershed: String
    public var chunkSize: [Int]
    public var fanout: Int
    public var layerIDBits: Int
    public var spatialBits: Int
    public var backend: GraphBackend

    static let sections: [String: [String]] = [
        "data_source": ["EDGES", "COMPONENTS", "WATERSHED"],
        "graph_config": ["CHUNK_SIZE", "FANOUT", "LAYER_ID_BITS", "SPATIAL_BITS"],
        "backend_client": ["TYPE", "CONFIG"],
        "ingest_config": [],
    ]

    /// PyChunkedGraph keys its users' files have that change nothing here: accepted, with a warning
    /// each, so that a file written for PyChunkedGraph runs as it is.
    static let keysWithoutEffect: [String: [String]] = [
        "data_source": ["DATA_VERSION", "USE_RAW_EDGES", "USE_RAW_COMPONENTS", "CV_MIP"],
        "graph_config": ["ID_PREFIX", "OVERWRITE", "ROOT_LOCK_EXPIRY", "ROOT_COUNTERS"],
        "ingest_config": ["AGGLOMERATION", "TEST_RUN"],
    ]

    /// One line per key of `keysWithoutEffect` the file has.
    public var warnings: [String] = []

    /// Reads and checks a dataset file; relative paths in it are taken from the file's directory.
    /// - Throws: `GraphError.invalidDataset` naming the key (and line) and the fix.
    public static func load(path: String) throws -> GraphDataset {
        let file = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw GraphError.invalidDataset(file: path, key: "(file)", reason: "cannot be read; give the path of an existing dataset.yml")
        }
        let root: Yams.Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw GraphError.invalidDataset(file: file, key: "(YAML)", reason: "is not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        return try DatasetParser(file: file).dataset(from: root)
    }

    /// Whether any input is in a bucket (and so needs S3 settings).
    public var readsBuckets: Bool { directories.readsBuckets || S3Path.isURL(watershed) }

    /// Reads the watershed's `info` from its local directory and derives the chunk grid from it
    /// (`geometry(info:)`); `GraphJob.prepare` reads an info file in a bucket too.
    public func geometry() throws -> GraphGeometry {
        try geometry(info: WatershedInfo.load(directory: watershed, datasetFile: file))
    }

    /// Derives the chunk grid from the watershed's scale-0 size and `CHUNK_SIZE`.
    /// - Throws: `GraphError.invalidDataset`; a grid too large for the ids or for one graph names
    ///   `CHUNK_SIZE`, the volume, the layers and a `CHUNK_SIZE` that fits, before anything is made.
    public func geometry(info: WatershedInfo) throws -> GraphGeometry {
        do {
            return try geometry(size: info.size, chunkSize: chunkSize)
        } catch GraphError.gridTooLarge(let grid, let layers, let fanout, let problem, let alternative) {
            let larger = suggestedChunkSize(size: info.size).map { "use a larger CHUNK_SIZE, such as \($0)" } ?? "use a larger CHUNK_SIZE"
            throw GraphError.invalidDataset(
                file: file, key: "graph_config.CHUNK_SIZE",
                reason: "\(chunkSize) over the watershed's \(info.size) voxels (data_source.WATERSHED) makes "
                    + "\(GraphError.gridText(grid, layers: layers, fanout: fanout)): \(problem); \(larger)" + (alternative.map { ", or \($0)" } ?? ""))
        } catch let error as GraphError {
            throw GraphError.invalidDataset(file: file, key: "graph_config", reason: error.description.replacingOccurrences(of: "graph_config: ", with: ""))
        }
    }

    private func geometry(size: [Int], chunkSize: [Int]) throws -> GraphGeometry {
        let grid = zip(size, chunkSize).map { ($0 - 1) / $1 + 1 }
        return try GraphGeometry(grid: grid, chunkSize: chunkSize, fanout: fanout, layerIDBits: layerIDBits, spatialBits: spatialBits)
    }

    /// The first `CHUNK_SIZE`, doubling every side up to the volume's, whose grid the ids and the
    /// bound on chunks allow; nil when none does (the other options are at fault).
    private func suggestedChunkSize(size: [Int]) -> [Int]? {
        var candidate = chunkSize
        while true {
            let next = zip(candidate, size).map { side, volume in min(saturating(side.multipliedReportingOverflow(by: 2)), max(side, volume)) }
            guard next != candidate else { return nil }
            candidate = next
            if (try? geometry(size: size, chunkSize: candidate)) != nil { return candidate }
        }
    }
}

/// The scale-0 bounds of a CloudVolume-style `info` file.
public struct WatershedInfo: Sendable, Equatable {
    public var size: [Int]
    public var voxelOffset: [Int]
    public var resolution: [Double]

    public static func load(directory: String, datasetFile: String) throws -> WatershedInfo {
        try parse(FileManager.default.contents(atPath: directory + "/info"), path: directory + "/info", datasetFile: datasetFile)
    }

    /// Reads the bytes of an `info` file (nil: there is none at `path`, which names it in errors).
    static func parse(_ data: Data?, path: String, datasetFile: String) throws -> WatershedInfo {
        func bad(_ reason: String) -> GraphError {
            GraphError.invalidDataset(file: datasetFile, key: "data_source.WATERSHED", reason: "\(path) \(reason)")
        }
        guard let data else {
            throw bad("does not exist; WATERSHED names a directory (or s3://BUCKET/PREFIX) holding a CloudVolume info file")
        }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw bad("is not a JSON object") }
        guard let scales = json["scales"] as? [[String: Any]], let scale = scales.first else {
            throw bad("has no \"scales\" list; scale 0 gives the volume's size")
        }
        func numbers(_ key: String) -> [Double]? {
            guard let values = scale[key] as? [Any], values.count == 3 else { return nil }
            let numbers = values.compactMap { ($0 as? NSNumber)?.doubleValue }
            return numbers.count == 3 ? numbers : nil
        }
        // Beyond 2^53 a JSON number is no longer a whole number of voxels (and Int() would trap).
        let limit = 9_007_199_254_740_992.0
        guard let size = numbers("size"), size.allSatisfy({ $0 >= 1 && $0 <= limit && $0 == $0.rounded() }) else {
            throw bad("scale 0 needs \"size\": three whole numbers of voxels from 1 to 2^53")
        }
        let offset = numbers("voxel_offset") ?? [0, 0, 0]
        guard offset.allSatisfy({ abs($0) <= limit && $0 == $0.rounded() }) else {
            throw bad("scale 0 has a \"voxel_offset\" that is not three whole numbers within 2^53")
        }
        return WatershedInfo(size: size.map { Int($0) }, voxelOffset: offset.map { Int($0) }, resolution: numbers("resolution") ?? [1, 1, 1])
    }

    /// Writes an `info` file with one scale.
    public static func write(directory: String, size: [Int], chunkSize: [Int], resolution: [Double] = [8, 8, 40]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let info: [String: Any] = [
            "type": "segmentation", "data_type": "uint64", "num_channels": 1,
            "scales": [[
                "key": "\(Int(resolution[0]))_\(Int(resolution[1]))_\(Int(resolution[2]))", "size": size,
                "voxel_offset": [0, 0, 0], "resolution": resolution, "chunk_sizes": [chunkSize], "encoding": "raw",
            ]],
        ]
        let data = try JSONSerialization.data(withJSONObject: info, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: directory + "/info"))
    }
}

/// Turns the YAML tree into a `GraphDataset`, naming the key path and line of each problem. Every
/// problem of the file is reported in one error, so that one edit fixes them all.
private final class DatasetParser {
    let file: String
    var warnings: [String] = []
    private var problems: [GraphError] = []

    init(file: String) {
        self.file = file
    }

    func fail(_ key: String, _ node: Yams.Node?, _ reason: String) -> GraphError {
        let line = node?.mark.map { " (line \($0.line))" } ?? ""
        return GraphError.invalidDataset(file: file, key: key + line, reason: reason)
    }

    /// Runs one check; a problem is recorded and the parse goes on with the other keys.
    private func checked<Value>(_ body: () throws -> Value) -> Value? {
        do {
            return try body()
        } catch let error as GraphError {
            problems.append(error)
        } catch {
            problems.append(.invalidDataset(file: file, key: "(file)", reason: "\(error)"))
        }
        return nil
    }

    /// The keys of a section: unknown keys and keys that are not text are recorded as problems,
    /// PyChunkedGraph keys without effect as warnings.
    func mapping(_ node: Yams.Node?, key: String, allowed: [String]) -> [String: Yams.Node] {
        guard let node else { return [:] }
        guard let pairs = node.mapping else {
            problems.append(fail(key, node, "must be a mapping of keys to values"))
            return [:]
        }
        var result: [String: Yams.Node] = [:]
        for (keyNode, value) in pairs {
            guard let name = keyNode.string else {
                problems.append(fail(key, keyNode, "has a key that is not text"))
                continue
            }
            let path = key.isEmpty ? name : "\(key).\(name)"
            if GraphDataset.keysWithoutEffect[key]?.contains(name) == true {
                let line = keyNode.mark.map { " (line \($0.line))" } ?? ""
                warnings.append("\(file): \(path)\(line) is a PyChunkedGraph setting that has no effect in ingest; it is ignored")
                continue
            }
            guard allowed.contains(name) else {
                problems.append(fail(path, keyNode, "unknown key; \(key.isEmpty ? "sections are" : "\(key) takes") \(allowed.joined(separator: ", "))"))
                continue
            }
            result[name] = value
        }
        return result
    }

    func dataset(from root: Yams.Node?) throws -> GraphDataset {
        guard let root, root.mapping != nil else {
            throw fail("(top level)", root, "must be a mapping with data_source, graph_config, backend_client and ingest_config")
        }
        let top = mapping(root, key: "", allowed: GraphDataset.sections.keys.sorted())
        let source = top["data_source"]
        let config = top["graph_config"]
        if source == nil { problems.append(fail("data_source", nil, "is missing; it names EDGES, COMPONENTS and WATERSHED")) }
        if config == nil { problems.append(fail("graph_config", nil, "is missing; it gives CHUNK_SIZE (and FANOUT, LAYER_ID_BITS, SPATIAL_BITS)")) }
        let data = mapping(source, key: "data_source", allowed: GraphDataset.sections["data_source"]!)
        let graph = mapping(config, key: "graph_config", allowed: GraphDataset.sections["graph_config"]!)
        let backendSection = mapping(top["backend_client"], key: "backend_client", allowed: GraphDataset.sections["backend_client"]!)
        _ = mapping(top["ingest_config"], key: "ingest_config", allowed: GraphDataset.sections["ingest_config"]!)

        let edges = source == nil ? nil : checked { try directory(data["EDGES"], key: "data_source.EDGES", what: "the directory of per-chunk edge files") }
        let components = source == nil ? nil : checked {
            try directory(data["COMPONENTS"], key: "data_source.COMPONENTS", what: "the directory of per-chunk components files")
        }
        let watershed = source == nil ? nil : checked {
            try directory(data["WATERSHED"], key: "data_source.WATERSHED", what: "the directory holding the watershed's info file")
        }
        let chunkSize = config == nil ? nil : checked { () throws -> [Int] in
            guard let chunkNode = graph["CHUNK_SIZE"] else {
                throw fail("graph_config.CHUNK_SIZE", config, "is missing; give the layer-2 chunk size in voxels, such as [256, 256, 512]")
            }
            return try integers(chunkNode, key: "graph_config.CHUNK_SIZE")
        }
        let fanout = checked { try integer(graph["FANOUT"], key: "graph_config.FANOUT", default: 2, minimum: 2) }
        let layerIDBits = checked { try integer(graph["LAYER_ID_BITS"], key: "graph_config.LAYER_ID_BITS", default: 8, minimum: 1) }
        let spatialBits = checked { try integer(graph["SPATIAL_BITS"], key: "graph_config.SPATIAL_BITS", default: 10, minimum: 1) }
        let backend = checked { try self.backend(backendSection) }

        guard problems.isEmpty, let edges, let components, let watershed, let chunkSize, let fanout, let layerIDBits, let spatialBits,
            let backend
        else {
            if problems.count == 1 { throw problems[0] }
            throw GraphError.invalidDatasetKeys(file: file, problems: problems.map(Self.problemLine))
        }
        var dataset = GraphDataset(
            file: file, directories: DatasetDirectories(edges: edges, components: components), watershed: watershed,
            chunkSize: chunkSize, fanout: fanout, layerIDBits: layerIDBits, spatialBits: spatialBits, backend: backend)
        dataset.warnings = warnings
        return dataset
    }

    /// One problem as a line of the combined error: `graph_config.FANOUT (line 7): must be ...`.
    private static func problemLine(_ error: GraphError) -> String {
        if case .invalidDataset(_, let key, let reason) = error { return "\(key): \(reason)" }
        return error.description
    }

    func backend(_ section: [String: Yams.Node]) throws -> GraphBackend {
        let type = section["TYPE"]?.string?.lowercased() ?? "sqlite"
        let config = section["CONFIG"]
        switch type {
        case "sqlite":
            let options = mapping(config, key: "backend_client.CONFIG", allowed: ["PATH", "ADMIN", "READ_ONLY"])
            return .sqlite(path: try options["PATH"].map { try resolve($0, key: "backend_client.CONFIG.PATH") })
        case "postgres", "postgresql":
            // CONFIG may be the URL itself, or a mapping with URL (and PyChunkedGraph's flags).
            let key: String, node: Yams.Node?
            if let config, config.scalar != nil {
                (key, node) = ("backend_client.CONFIG", config)
            } else {
                let options = mapping(config, key: "backend_client.CONFIG", allowed: ["URL", "ADMIN", "READ_ONLY"])
                (key, node) = ("backend_client.CONFIG.URL", options["URL"])
            }
            guard let node else { return .postgres(url: nil) }
            guard let url = node.string, url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw fail(
                    key, node,
                    "'\(GraphStoreLocation.removingPassword(node.string ?? ""))' is not a PostgreSQL URL; write postgres://user[:password]@host[:port]/database, "
                        + "or leave CONFIG out to keep the graph in the PostgreSQL catalog database (--catalog, INGEST_CATALOG_URL)")
            }
            return .postgres(url: url)
        default:
            throw fail("backend_client.TYPE", section["TYPE"], "'\(type)' is not supported; use sqlite or postgres")
        }
    }

    /// A local path, relative paths taken from the dataset file's directory.
    /// - Parameter remote: what to say about a URL ingest cannot read there.
    func resolve(_ node: Yams.Node, key: String, remote: String = "ingest keeps it in a local file, so give a local path") throws -> String {
        guard let value = node.string, !value.isEmpty else { throw fail(key, node, "must be a path") }
        if let scheme = ["gs://", "s3://", "http://", "https://", "file://"].first(where: { value.hasPrefix($0) }) {
            if scheme == "file://" { return String(value.dropFirst(7)) }
            throw fail(key, node, "'\(value)' is remote; \(remote)")
        }
        let base = (file as NSString).deletingLastPathComponent
        let absolute = value.hasPrefix("/") ? value : (base as NSString).appendingPathComponent(value)
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// A local directory that exists, or an `s3://bucket/prefix` (checked when the job is prepared).
    func directory(_ node: Yams.Node?, key: String, what: String) throws -> String {
        guard let node else { throw fail(key, nil, "is missing; give \(what)") }
        if let value = node.string, S3Path.isURL(value) {
            guard let bucket = S3Path(parsing: value) else { throw fail(key, node, "'\(value)' names no bucket; write s3://BUCKET/PREFIX") }
            return bucket.description
        }
        let path = try resolve(
            node, key: key, remote: "ingest reads local directories and s3://BUCKET/PREFIX, so copy the data to one of those and give its path")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail(key, node, "\(path) is not a directory; give \(what)")
        }
        return path
    }

    func integer(_ node: Yams.Node?, key: String, default value: Int, minimum: Int) throws -> Int {
        guard let node else { return value }
        guard let number = node.int, number >= minimum else { throw fail(key, node, "must be a whole number of at least \(minimum)") }
        return number
    }

    func integers(_ node: Yams.Node, key: String) throws -> [Int] {
        guard let items = node.sequence, items.count == 3 else { throw fail(key, node, "must be a list of three numbers, such as [256, 256, 512]") }
        let numbers = items.compactMap(\.int)
        guard numbers.count == 3, numbers.allSatisfy({ $0 >= 1 }) else {
            throw fail(key, node, "must be three whole numbers of at least 1, such as [256, 256, 512]")
        }
        return numbers
    }
}
