import Foundation
import IngestCore

/// Where a dataset's layer-2 inputs live: each a local directory or an `s3://bucket/prefix`.
public struct DatasetDirectories: Codable, Sendable, Equatable {
    public var edges: String
    public var components: String

    public init(edges: String, components: String) {
        self.edges = edges
        self.components = components
    }

    public func edgesPath(_ chunk: ChunkCoordinate) -> String { edges + "/" + EdgeFile.name(chunk) }
    public func componentsPath(_ chunk: ChunkCoordinate) -> String { components + "/" + ComponentsFile.name(chunk) }

    /// Whether either input is in a bucket.
    public var readsBuckets: Bool { S3Path.isURL(edges) || S3Path.isURL(components) }
}

/// Builds the nodes of one layer-2 chunk from its files: keeps the active edges, joins the
/// supervoxels connected by active in-chunk edges into nodes, and files every active edge that
/// leaves the chunk under the layer where it becomes internal.
public struct Layer2Builder: Sendable {
    public let layout: NodeIDLayout
    public let inputs: ChunkInputs

    public init(layout: NodeIDLayout, inputs: ChunkInputs) {
        self.layout = layout
        self.inputs = inputs
    }

    /// A builder reading local directories.
    public init(layout: NodeIDLayout, directories: DatasetDirectories) {
        self.init(layout: layout, inputs: ChunkInputs(localDirectories: directories))
    }

    /// The chunk's nodes, ordered by id, and the roots of the objects that lie wholly inside it;
    /// the same files always give the same nodes.
    /// - Throws: `GraphError.badChunkFile` naming the file, the record and the problem.
    public func build(_ chunk: ChunkCoordinate) async throws -> ChunkBuild {
        let componentsPath = inputs.componentsPath(chunk)
        let (supervoxels, components) = try await inputs.components(chunk) ?? ([], [])
        var index = IDIndexMap(capacity: supervoxels.count)
        for (position, supervoxel) in supervoxels.enumerated() {
            try checkInChunk(supervoxel, chunk, path: componentsPath, role: "supervoxel")
            if index.insert(supervoxel, position) != nil {
                throw GraphError.badChunkFile(path: componentsPath, reason: "lists supervoxel \(supervoxel) twice; list each supervoxel once")
            }
        }

        let edgesPath = inputs.edgesPath(chunk)
        let (edges, betweenStart, crossStart) = try await inputs.edges(chunk) ?? ([], 0, 0)
        var sets = UnionFind(count: supervoxels.count)
        // Edges leaving the chunk: (index of the local supervoxel, the remote supervoxel).
        var between: [(Int, UInt64)] = []
        var leaving: [(Int, UInt64)] = []
        for (position, edge) in edges.enumerated() {
            let record = position + 1
            guard let first = index.get(edge.first) else {
                try checkInChunk(edge.first, chunk, path: edgesPath, role: "edge \(record): first supervoxel")
                throw GraphError.badChunkFile(
                    path: edgesPath, reason: "edge \(record): supervoxel \(edge.first) is not listed in \(componentsPath); list it there")
            }
            if position < betweenStart {
                guard let second = index.get(edge.second) else {
                    try checkInChunk(edge.second, chunk, path: edgesPath, role: "in-chunk edge \(record): second supervoxel")
                    throw GraphError.badChunkFile(
                        path: edgesPath, reason: "edge \(record): supervoxel \(edge.second) is not listed in \(componentsPath); list it there")
                }
                if components[first] == components[second] { sets.union(first, second) }
            } else {
                let kind: EdgeKind = position < crossStart ? .betweenChunk : .crossChunk
                try checkOutsideChunk(edge.second, chunk, path: edgesPath, record: record, kind: kind)
                if kind == .crossChunk { leaving.append((first, edge.second)) } else { between.append((first, edge.second)) }
            }
        }
        leaving += try await activeBetweenEdges(between, components: components, edgesPath: edgesPath)

        var groups = sets.groups()
        for i in groups.indices { groups[i] = groups[i].sorted { supervoxels[$0] < supervoxels[$1] } }
        groups.sort { supervoxels[$0[0]] < supervoxels[$1[0]] }
        guard UInt64(groups.count) <= layout.maximumSegment(layer: 2), groups.count <= layout.maximumRootsPerChunk else {
            throw GraphError.badChunkFile(
                path: componentsPath, reason: "makes \(groups.count) nodes, more than ids of layer 2 can number; lower SPATIAL_BITS")
        }
        var nodeOfSupervoxel = [Int](repeating: 0, count: supervoxels.count)
        for (node, group) in groups.enumerated() {
            for member in group { nodeOfSupervoxel[member] = node }
        }
        var crossEdges = [[CrossEdge]](repeating: [], count: groups.count)
        for (local, remote) in leaving {
            let layer = layout.geometry.meetingLayer(chunk, layout.layer2Chunk(ofSupervoxel: remote))
            crossEdges[nodeOfSupervoxel[local]].append(CrossEdge(layer: layer, local: supervoxels[local], remote: remote))
        }
        var build = ChunkBuild(nodes: [], roots: [], parentOfChild: [])
        build.nodes.reserveCapacity(groups.count)
        for (position, group) in groups.enumerated() {
            var node = GraphNode(
                id: layout.id(chunk: chunk, segment: UInt64(position + 1)), children: group.map { supervoxels[$0] },
                crossEdges: uniqueSorted(crossEdges[position]))
            if node.crossEdges.isEmpty {
                // Nothing leaves the chunk: the object is whole, and its root is made here.
                let root = layout.rootID(completedIn: chunk, index: build.roots.count)
                node.parent = root
                build.roots.append(GraphNode(id: root, children: [node.id], crossEdges: []))
            }
            build.nodes.append(node)
        }
        return build
    }

    /// Between-chunk edges whose two supervoxels share a component, reading each neighbour's
    /// components file once and keeping only the supervoxels asked for.
    private func activeBetweenEdges(_ edges: [(Int, UInt64)], components: [UInt64], edgesPath: String) async throws -> [(Int, UInt64)] {
        guard !edges.isEmpty else { return [] }
        var byChunk: [ChunkCoordinate: [Int]] = [:]
        for (position, edge) in edges.enumerated() {
            byChunk[layout.layer2Chunk(ofSupervoxel: edge.1), default: []].append(position)
        }
        var active: [(Int, UInt64)] = []
        for (neighbour, positions) in byChunk.sorted(by: { $0.key < $1.key }) {
            // Several edges can reach one remote supervoxel: the map keeps its first slot, and lookups use that slot.
            var wanted = IDIndexMap(capacity: positions.count)
            for (slot, position) in positions.enumerated() { wanted.insert(edges[position].1, slot) }
            var found = [UInt64?](repeating: nil, count: positions.count)
            let path = inputs.componentsPath(neighbour)
            if let (supervoxels, components) = try await inputs.components(neighbour) {
                for (position, supervoxel) in supervoxels.enumerated() {
                    if let slot = wanted.get(supervoxel) { found[slot] = components[position] }
                }
            }
            for position in positions {
                let remote = edges[position].1
                guard let component = found[wanted.get(remote)!] else {
                    throw GraphError.badChunkFile(
                        path: edgesPath,
                        reason: "a between-chunk edge reaches supervoxel \(remote), which \(path) does not list; list it there or remove the edge")
                }
                if component == components[edges[position].0] { active.append(edges[position]) }
            }
        }
        return active
    }

    private func checkInChunk(_ supervoxel: UInt64, _ chunk: ChunkCoordinate, path: String, role: String) throws {
        guard layout.isSupervoxel(supervoxel) else {
            throw GraphError.badChunkFile(
                path: path, reason: "\(role) \(supervoxel) is not a supervoxel id of this volume (layer 1, a chunk inside the grid, a segment above 0)")
        }
        let home = layout.layer2Chunk(ofSupervoxel: supervoxel)
        guard home == chunk else {
            throw GraphError.badChunkFile(
                path: path, reason: "\(role) \(supervoxel) lies in chunk \(home.x)_\(home.y)_\(home.z), outside chunk \(chunk.x)_\(chunk.y)_\(chunk.z); a chunk's file lists its own supervoxels (first, for edges)")
        }
    }

    private func checkOutsideChunk(_ supervoxel: UInt64, _ chunk: ChunkCoordinate, path: String, record: Int, kind: EdgeKind) throws {
        let name = kind == .crossChunk ? "cross-chunk" : "between-chunk"
        guard layout.isSupervoxel(supervoxel) else {
            throw GraphError.badChunkFile(
                path: path, reason: "\(name) edge \(record): \(supervoxel) is not a supervoxel id of this volume")
        }
        guard layout.layer2Chunk(ofSupervoxel: supervoxel) != chunk else {
            throw GraphError.badChunkFile(
                path: path, reason: "\(name) edge \(record): supervoxel \(supervoxel) lies in this chunk; list the edge among the in-chunk edges")
        }
    }
}
