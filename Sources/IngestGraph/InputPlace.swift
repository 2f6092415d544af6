import Foundation
import IngestCore

/// One input of a dataset (`EDGES`, `COMPONENTS`, `WATERSHED`) as a process reads it: a local
/// directory straight from the file system, or a bucket prefix through a `Source`, one whole object
/// at a time (chunk files and the info file are small).
enum InputPlace: Sendable {
    case directory(String)
    case bucket(any Source)

    /// The place `location` names: an `s3://` URL opens a source with this process's credentials;
    /// anything else is a local directory.
    /// - Throws: `GraphError.inputUnreachable` naming `key` and the setting to fix (no S3 client,
    ///   no credentials, a bad endpoint).
    static func open(_ location: String, key: String, access: S3Access?, objectStores: (any ObjectStores)?) async throws -> InputPlace {
        guard let bucket = S3Path(parsing: location) else { return .directory(location) }
        guard let objectStores else {
            throw GraphError.inputUnreachable(key: key, location: location, reason: "this process was built without an S3 client")
        }
        do {
            return .bucket(try await objectStores.source(bucket, access: access ?? S3Access()))
        } catch {
            throw GraphError.inputUnreachable(key: key, location: location, reason: "\(error)")
        }
    }

    /// Where the file `name` is, for messages: `/data/edges/0_0_0.edges`, `s3://bucket/edges/0_0_0.edges`.
    func path(_ name: String) -> String {
        switch self {
        case .directory(let directory): directory + "/" + name
        case .bucket(let source): source.physicalPath(of: name)
        }
    }

    /// The whole object `name` of a bucket; nil when it has none.
    func object(_ name: String) async throws -> [UInt8]? {
        switch self {
        case .directory(let directory):
            return FileManager.default.contents(atPath: directory + "/" + name).map { [UInt8]($0) }
        case .bucket(let source):
            do {
                return try await source.read(name).collected()
            } catch is EntryNotFound {
                return nil
            } catch {
                // An S3 source fails the read of a missing key with its client's own error: ask the
                // bucket whether the object is there before taking the failure for an absence.
                let entry: SourceEntry?
                do {
                    entry = try await source.stat(name)
                } catch _ {
                    throw error
                }
                if entry == nil { return nil }
                throw error
            }
        }
    }

    /// Whether the first `limit` entries of the place hold a file whose name ends with `suffix`.
    func holdsFile(endingWith suffix: String, limit: Int = 1000) async throws -> Bool {
        switch self {
        case .directory(let directory):
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.contains { $0.hasSuffix(suffix) }
        case .bucket(let source):
            let page = try await source.list("", cursor: nil, limit: limit)
            return page.entries.contains { $0.kind == .file && $0.name.hasSuffix(suffix) }
        }
    }
}

/// A graph's layer-2 inputs as a chunk build reads them.
public struct ChunkInputs: Sendable {
    let edges: InputPlace
    let components: InputPlace

    init(edges: InputPlace, components: InputPlace) {
        self.edges = edges
        self.components = components
    }

    /// Inputs in local directories.
    public init(localDirectories directories: DatasetDirectories) {
        self.init(edges: .directory(directories.edges), components: .directory(directories.components))
    }

    /// The inputs `directories` name, buckets reached as `access` says with this process's credentials.
    /// - Throws: `GraphError.inputUnreachable` naming the dataset key and the setting to fix.
    public static func open(_ directories: DatasetDirectories, access: S3Access?, objectStores: (any ObjectStores)?) async throws -> ChunkInputs {
        ChunkInputs(
            edges: try await InputPlace.open(directories.edges, key: "data_source.EDGES", access: access, objectStores: objectStores),
            components: try await InputPlace.open(
                directories.components, key: "data_source.COMPONENTS", access: access, objectStores: objectStores))
    }

    func edgesPath(_ chunk: ChunkCoordinate) -> String { edges.path(EdgeFile.name(chunk)) }
    func componentsPath(_ chunk: ChunkCoordinate) -> String { components.path(ComponentsFile.name(chunk)) }

    /// The chunk's edges file; nil when there is none (a chunk without edges).
    func edges(_ chunk: ChunkCoordinate) async throws -> (edges: [Edge], betweenStart: Int, crossStart: Int)? {
        switch edges {
        case .directory:
            return try EdgeFile.readAll(path: edgesPath(chunk))
        case .bucket:
            return try await edges.object(EdgeFile.name(chunk)).map { try EdgeFile.readAll(bytes: $0, path: edgesPath(chunk)) }
        }
    }

    /// The chunk's components file; nil when there is none (a chunk without supervoxels).
    func components(_ chunk: ChunkCoordinate) async throws -> (supervoxels: [UInt64], components: [UInt64])? {
        switch components {
        case .directory:
            return try ComponentsFile.readAll(path: componentsPath(chunk))
        case .bucket:
            return try await components.object(ComponentsFile.name(chunk)).map { try ComponentsFile.readAll(bytes: $0, path: componentsPath(chunk)) }
        }
    }
}

/// A dataset's three inputs, opened when a build is submitted so that each is checked before
/// anything is queued: a bucket that is missing or refuses this process's keys, a missing info
/// file, an input holding no chunk files.
struct DatasetInputs {
    let dataset: GraphDataset
    let edges: InputPlace
    let components: InputPlace
    let watershed: InputPlace

    /// - Throws: `GraphError.invalidDataset` naming the key whose bucket cannot be reached, and why.
    static func open(_ dataset: GraphDataset, access: S3Access?, objectStores: (any ObjectStores)?) async throws -> DatasetInputs {
        func place(_ location: String, key: String) async throws -> InputPlace {
            do {
                return try await InputPlace.open(location, key: key, access: access, objectStores: objectStores)
            } catch GraphError.inputUnreachable(_, _, let reason) {
                throw GraphError.invalidDataset(file: dataset.file, key: key, reason: "\(location) cannot be read: \(reason)")
            }
        }
        return DatasetInputs(
            dataset: dataset, edges: try await place(dataset.directories.edges, key: "data_source.EDGES"),
            components: try await place(dataset.directories.components, key: "data_source.COMPONENTS"),
            watershed: try await place(dataset.watershed, key: "data_source.WATERSHED"))
    }

    /// The watershed's `info`.
    func watershedInfo() async throws -> WatershedInfo {
        guard case .bucket = watershed else { return try WatershedInfo.load(directory: dataset.watershed, datasetFile: dataset.file) }
        let path = watershed.path("info")
        let bytes: [UInt8]?
        do {
            bytes = try await watershed.object("info")
        } catch {
            throw GraphError.invalidDataset(file: dataset.file, key: "data_source.WATERSHED", reason: "\(path) cannot be read: \(error)")
        }
        return try WatershedInfo.parse(bytes.map { Data($0) }, path: path, datasetFile: dataset.file)
    }

    /// Refuses inputs that hold none of the files this format names: almost surely a wrong path.
    func check() async throws {
        for (key, place, location, suffix) in [
            ("data_source.EDGES", edges, dataset.directories.edges, ".edges"),
            ("data_source.COMPONENTS", components, dataset.directories.components, ".components"),
        ] {
            let holdsFiles: Bool
            do {
                holdsFiles = try await place.holdsFile(endingWith: suffix)
            } catch {
                throw GraphError.invalidDataset(file: dataset.file, key: key, reason: "\(location) cannot be listed: \(error)")
            }
            guard holdsFiles else {
                var reason = "\(location) holds no X_Y_Z\(suffix) files; point it at the directory of per-chunk files (README: graph file format)"
                if case .bucket = place {
                    reason = "\(location) holds no X_Y_Z\(suffix) objects among its first 1000 keys; point it at the prefix of per-chunk files (README: graph file format)"
                }
                throw GraphError.invalidDataset(file: dataset.file, key: key, reason: reason)
            }
        }
    }
}
