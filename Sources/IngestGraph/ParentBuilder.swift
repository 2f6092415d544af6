/// A child node as a parent build reads it: its id and the cross edges it still carries.
public struct ChildNode: Sendable {
    public var id: UInt64
    public var crossEdges: [CrossEdge]

    public init(id: UInt64, crossEdges: [CrossEdge]) {
        self.id = id
        self.crossEdges = crossEdges
    }
}

/// What one chunk build writes.
public struct ChunkBuild: Sendable {
    /// Nodes of the chunk's own layer, segments 1, 2, ...: objects that still have cross edges
    /// above. (Layer 2: every node, with its parent set when its root is made here.)
    public var nodes: [GraphNode]
    /// Roots of the objects whose last cross edge became internal in this chunk (ids from
    /// `NodeIDLayout.rootID(completedIn:index:)`): no nodes are written for them in between.
    public var roots: [GraphNode]
    /// The parent of every child node read (layer 3 and up).
    public var parentOfChild: [(child: UInt64, parent: UInt64)]

    public init(nodes: [GraphNode], roots: [GraphNode], parentOfChild: [(child: UInt64, parent: UInt64)]) {
        self.nodes = nodes
        self.roots = roots
        self.parentOfChild = parentOfChild
    }
}

/// Builds the nodes of one chunk at layer 3 or up from the nodes of its child chunks: child nodes
/// joined by the cross edges that become internal at this layer share a parent.
public struct ParentBuilder: Sendable {
    public let layout: NodeIDLayout

    public init(layout: NodeIDLayout) {
        self.layout = layout
    }

    /// - Parameter children: every node of the chunk's child chunks. Those without cross edges
    ///   already have their root and are passed over.
    /// - Throws: `GraphError.badChunkFile` for an edge only one of its two chunks lists.
    public func build(_ chunk: ChunkCoordinate, children: [ChildNode]) throws -> ChunkBuild {
        let layer = chunk.layer
        let ordered = children.filter { !$0.crossEdges.isEmpty }.sorted { $0.id < $1.id }
        var sets = UnionFind(count: ordered.count)
        // Both halves of each edge that becomes internal here: sorted by edge, the two halves lie side by side.
        var halves: [(key: EdgePairKey, child: Int32, edge: CrossEdge)] = []
        for (position, child) in ordered.enumerated() {
            for edge in child.crossEdges where edge.layer == layer {
                halves.append((edge.pairKey, Int32(position), edge))
            }
        }
        halves.sort { ($0.key.low, $0.key.high, $0.child) < ($1.key.low, $1.key.high, $1.child) }
        var index = 0
        while index < halves.count {
            guard index + 1 < halves.count, halves[index + 1].key == halves[index].key else {
                let edge = halves[index].edge
                let near = layout.layer2Chunk(ofSupervoxel: edge.local), far = layout.layer2Chunk(ofSupervoxel: edge.remote)
                throw GraphError.badChunkFile(
                    path: "edges file \(EdgeFile.name(far))",
                    reason: "the edge between supervoxels \(edge.local) and \(edge.remote) is active in \(EdgeFile.name(near)) but missing or inactive here; "
                        + "an edge between two chunks must be listed in both chunks' files, with the same kind")
            }
            sets.union(Int(halves[index].child), Int(halves[index + 1].child))
            index += 2
        }

        var build = ChunkBuild(nodes: [], roots: [], parentOfChild: [])
        for group in sets.groups() {  // ordered by smallest member; members ordered by id
            var crossEdges: [CrossEdge] = []
            for member in group { crossEdges += ordered[member].crossEdges.lazy.filter { $0.layer > layer } }
            let complete = crossEdges.isEmpty
            let id = complete
                ? layout.rootID(completedIn: chunk, index: build.roots.count)
                : layout.id(chunk: chunk, segment: UInt64(build.nodes.count + 1))
            let node = GraphNode(id: id, children: group.map { ordered[$0].id }, crossEdges: uniqueSorted(crossEdges))
            if complete { build.roots.append(node) } else { build.nodes.append(node) }
            for member in group { build.parentOfChild.append((ordered[member].id, id)) }
        }
        guard UInt64(build.nodes.count) <= layout.maximumSegment(layer: layer), build.roots.count <= layout.maximumRootsPerChunk else {
            throw GraphError.invalidNode("chunk \(chunk) would hold more nodes than ids of layer \(layer) can number; lower SPATIAL_BITS")
        }
        return build
    }
}

/// Sorted, without repeats (cheaper than a `Set` for the few edges one node carries).
func uniqueSorted(_ edges: [CrossEdge]) -> [CrossEdge] {
    guard edges.count > 1 else { return edges }
    var sorted = edges.sorted()
    var kept = 1
    for index in 1..<sorted.count where sorted[index] != sorted[kept - 1] {
        sorted[kept] = sorted[index]
        kept += 1
    }
    sorted.removeLast(sorted.count - kept)
    return sorted
}
