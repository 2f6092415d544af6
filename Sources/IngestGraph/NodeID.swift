/// PyChunkedGraph's 64-bit node ids: the layer in the top `LAYER_ID_BITS`, then x, y and z of the
/// node's chunk with the layer's coordinate bits each, then the segment id in the rest.
///
/// A chunk's id is the id of segment 0 of that chunk, so a chunk's nodes are one contiguous id range.
public struct NodeIDLayout: Sendable, Equatable {
    public let geometry: GraphGeometry
    // Per-layer tables (index = layer): ids are taken apart in the hottest loops of a build.
    private let coordinateBits: [Int]
    private let segmentBits: [Int]
    private let layer2Counts: [Int]
    private let layerShift: UInt64

    public init(_ geometry: GraphGeometry) {
        self.geometry = geometry
        let layers = 0...(geometry.layerCount + 1)
        coordinateBits = layers.map { geometry.coordinateBits(layer: max(1, $0)) }
        segmentBits = layers.map { geometry.segmentBits(layer: max(1, $0)) }
        layer2Counts = geometry.chunkCounts(layer: 2)
        layerShift = UInt64(64 - geometry.layerIDBits)
    }

    public func id(chunk: ChunkCoordinate, segment: UInt64) -> UInt64 {
        chunkID(chunk) | segment
    }

    public func chunkID(_ chunk: ChunkCoordinate) -> UInt64 {
        let bits = coordinateBits[chunk.layer]
        let segmentBits = segmentBits[chunk.layer]
        var id = UInt64(chunk.layer) << layerShift
        id |= UInt64(chunk.x) << UInt64(segmentBits + 2 * bits)
        id |= UInt64(chunk.y) << UInt64(segmentBits + bits)
        id |= UInt64(chunk.z) << UInt64(segmentBits)
        return id
    }

    @inline(__always) public func layer(of id: UInt64) -> Int {
        Int(id >> layerShift)
    }

    /// The chunk a node lies in; for a supervoxel (layer 1), the coordinates of its layer-2 chunk.
    public func chunk(of id: UInt64) -> ChunkCoordinate {
        let layer = min(layer(of: id), coordinateBits.count - 1)
        let bits = coordinateBits[layer]
        let segmentBits = segmentBits[layer]
        let mask = (UInt64(1) << UInt64(bits)) - 1
        return ChunkCoordinate(
            layer: layer,
            x: Int((id >> UInt64(segmentBits + 2 * bits)) & mask),
            y: Int((id >> UInt64(segmentBits + bits)) & mask),
            z: Int((id >> UInt64(segmentBits)) & mask))
    }

    public func segment(of id: UInt64) -> UInt64 {
        id & segmentMask(layer: min(layer(of: id), segmentBits.count - 1))
    }

    public func segmentMask(layer: Int) -> UInt64 {
        (UInt64(1) << UInt64(segmentBits[layer])) - 1
    }

    /// The largest segment id a chunk of `layer` can hold.
    public func maximumSegment(layer: Int) -> UInt64 { segmentMask(layer: layer) }

    /// The id of the `index`-th (from 0) root made by the build of `chunk`: an object whose last
    /// cross edge became internal there gets its root at once, in the root chunk, without a node
    /// at every layer in between.
    public func rootID(completedIn chunk: ChunkCoordinate, index: Int) -> UInt64 {
        let root = ChunkCoordinate(layer: geometry.rootLayer, x: 0, y: 0, z: 0)
        return chunkID(root) | UInt64(geometry.ordinal(of: chunk)) << UInt64(geometry.rootLocalBits) | UInt64(index + 1)
    }

    /// The most roots one chunk build can make.
    public var maximumRootsPerChunk: Int { (1 << geometry.rootLocalBits) - 1 }

    /// The layer-2 chunk a supervoxel belongs to.
    public func layer2Chunk(ofSupervoxel id: UInt64) -> ChunkCoordinate {
        var chunk = chunk(of: id)
        chunk.layer = 2
        return chunk
    }

    /// Whether `id` names a supervoxel of a chunk inside the volume.
    public func isSupervoxel(_ id: UInt64) -> Bool {
        guard layer(of: id) == 1, segment(of: id) != 0 else { return false }
        let chunk = chunk(of: id)
        return chunk.x < layer2Counts[0] && chunk.y < layer2Counts[1] && chunk.z < layer2Counts[2]
    }

    /// Whether `id` names a node that could exist: a known layer, a chunk inside that layer's grid, a segment.
    public func isPlausible(_ id: UInt64) -> Bool {
        let layer = layer(of: id)
        guard layer >= 1, layer <= geometry.layerCount, segment(of: id) != 0 else { return false }
        let chunk = chunk(of: id)
        return geometry.contains(layer == 1 ? layer2Chunk(ofSupervoxel: id) : chunk)
    }
}
