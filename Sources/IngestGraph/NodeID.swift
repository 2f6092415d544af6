/// PyChunkedGraph's 64-bit node ids: the layer in the top `LAYER_ID_BITS`, then x, y and z of the
/// node's chunk with the layer's coordinate bits each, then the segment id in the rest.
///
/// A chunk's id is the id of segment 0 of that chunk, so a chunk's nodes are one contiguous id range.
public struct NodeIDLayout: Sendable, Equatable {
    public let geometry: GraphGeometry

    public init(_ geometry: GraphGeometry) {
        self.geometry = geometry
    }

    public func id(chunk: ChunkCoordinate, segment: UInt64) -> UInt64 {
        chunkID(chunk) | segment
    }

    public func chunkID(_ chunk: ChunkCoordinate) -> UInt64 {
        let bits = geometry.coordinateBits(layer: chunk.layer)
        let segmentBits = geometry.segmentBits(layer: chunk.layer)
        var id = UInt64(chunk.layer) << UInt64(64 - geometry.layerIDBits)
        id |= UInt64(chunk.x) << UInt64(segmentBits + 2 * bits)
        id |= UInt64(chunk.y) << UInt64(segmentBits + bits)
        id |= UInt64(chunk.z) << UInt64(segmentBits)
        return id
    }

    public func layer(of id: UInt64) -> Int {
        Int(id >> UInt64(64 - geometry.layerIDBits))
    }

    /// The chunk a node lies in; for a supervoxel (layer 1), the coordinates of its layer-2 chunk.
    public func chunk(of id: UInt64) -> ChunkCoordinate {
        let layer = layer(of: id)
        let bits = geometry.coordinateBits(layer: layer)
        let segmentBits = geometry.segmentBits(layer: layer)
        let mask = (UInt64(1) << UInt64(bits)) - 1
        return ChunkCoordinate(
            layer: layer,
            x: Int((id >> UInt64(segmentBits + 2 * bits)) & mask),
            y: Int((id >> UInt64(segmentBits + bits)) & mask),
            z: Int((id >> UInt64(segmentBits)) & mask))
    }

    public func segment(of id: UInt64) -> UInt64 {
        id & segmentMask(layer: layer(of: id))
    }

    public func segmentMask(layer: Int) -> UInt64 {
        (UInt64(1) << UInt64(geometry.segmentBits(layer: layer))) - 1
    }

    /// The largest segment id a chunk of `layer` can hold.
    public func maximumSegment(layer: Int) -> UInt64 { segmentMask(layer: layer) }

    /// The layer-2 chunk a supervoxel belongs to.
    public func layer2Chunk(ofSupervoxel id: UInt64) -> ChunkCoordinate {
        var chunk = chunk(of: id)
        chunk.layer = 2
        return chunk
    }

    /// Whether `id` names a supervoxel of a chunk inside the volume.
    public func isSupervoxel(_ id: UInt64) -> Bool {
        guard layer(of: id) == 1, segment(of: id) != 0 else { return false }
        return geometry.contains(layer2Chunk(ofSupervoxel: id))
    }

    /// Whether `id` names a node that could exist: a known layer, a chunk inside that layer's grid, a segment.
    public func isPlausible(_ id: UInt64) -> Bool {
        let layer = layer(of: id)
        guard layer >= 1, layer <= geometry.layerCount, segment(of: id) != 0 else { return false }
        let chunk = chunk(of: id)
        return geometry.contains(layer == 1 ? layer2Chunk(ofSupervoxel: id) : chunk)
    }
}
