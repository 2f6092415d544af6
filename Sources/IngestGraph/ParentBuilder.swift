/// A child node as a parent build reads it: its id and the cross edges it still carries.
public struct ChildNode: Sendable {
    public var id: UInt64
    public var crossEdges: [CrossEdge]

    public init(id: UInt64, crossEdges: [CrossEdge]) {
        self.id = id
        self.crossEdges = crossEdges
    }
}

/// What a chunk build of layer 3 or up writes: the new nodes and the parent of every child node.
public struct ParentChunkBuild: Sendable {
    public var nodes: [GraphNode]
    public var parentOfChild: [(child: UInt64, parent: UInt64)]
}

/// Builds the nodes of one chunk at layer 3 or up from the nodes of its child chunks: child nodes
/// joined by the cross edges that become internal at this layer share a parent.
public struct ParentBuilder: Sendable {
    public let layout: NodeIDLayout

    public init(layout: NodeIDLayout) {
        self.layout = layout
    }

    /// - Parameters:
    ///   - children: every node of the chunk's child chunks.
    ///   - ancestor: the node at `layer` holding a supervoxel, for the rare edge whose other half no
    ///     child carries (an edge listed in one chunk's file only).
    public func build(
        _ chunk: ChunkCoordinate, children: [ChildNode], ancestor: (UInt64, Int) throws -> UInt64?
    ) throws -> ParentChunkBuild {
        let layer = chunk.layer
        let ordered = children.sorted { $0.id < $1.id }
        var sets = UnionFind(count: ordered.count)
        var index = IDIndexMap(capacity: ordered.count)
        for (position, child) in ordered.enumerated() { index.insert(child.id, position) }
        // The first half seen of each edge that becomes internal here, waiting for its other half.
        var unpaired: [EdgePairKey: (child: Int, edge: CrossEdge)] = [:]
        for (position, child) in ordered.enumerated() {
            for edge in child.crossEdges where edge.layer == layer {
                if let other = unpaired.removeValue(forKey: edge.pairKey) {
                    sets.union(position, other.child)
                } else {
                    unpaired[edge.pairKey] = (position, edge)
                }
            }
        }
        for (child, edge) in unpaired.values.sorted(by: { $0.edge < $1.edge }) {
            guard let node = try ancestor(edge.remote, layer - 1), let other = index.get(node) else { continue }
            sets.union(child, other)
        }

        let groups = sets.groups()  // ordered by smallest member, and members are ordered by id
        guard UInt64(groups.count) <= layout.maximumSegment(layer: layer) else {
            throw GraphError.invalidNode("chunk \(chunk) would hold \(groups.count) nodes, more than ids of layer \(layer) can number; lower SPATIAL_BITS")
        }
        var nodes: [GraphNode] = []
        var parentOfChild: [(UInt64, UInt64)] = []
        nodes.reserveCapacity(groups.count)
        for (position, group) in groups.enumerated() {
            let id = layout.id(chunk: chunk, segment: UInt64(position + 1))
            var crossEdges: [CrossEdge] = []
            for member in group {
                parentOfChild.append((ordered[member].id, id))
                crossEdges += ordered[member].crossEdges.filter { $0.layer > layer }
            }
            nodes.append(GraphNode(id: id, children: group.map { ordered[$0].id }, crossEdges: Array(Set(crossEdges)).sorted()))
        }
        return ParentChunkBuild(nodes: nodes, parentOfChild: parentOfChild)
    }
}
