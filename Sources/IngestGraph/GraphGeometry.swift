/// The shape of a chunked graph: how many layer-2 chunks the volume spans, how chunks merge
/// (`FANOUT`), and how node ids spend their 64 bits (PyChunkedGraph's layout).
public struct GraphGeometry: Codable, Sendable, Equatable {
    /// Layer-2 chunks along x, y and z.
    public var grid: [Int]
    /// Voxels per layer-2 chunk along x, y and z (`CHUNK_SIZE`).
    public var chunkSize: [Int]
    /// Chunks per dimension merged into one chunk of the next layer (`FANOUT`).
    public var fanout: Int
    /// Bits at the top of every id that hold its layer (`LAYER_ID_BITS`).
    public var layerIDBits: Int
    /// Bits per coordinate in supervoxel (layer 1) ids (`SPATIAL_BITS`).
    public var spatialBits: Int

    public init(grid: [Int], chunkSize: [Int] = [1, 1, 1], fanout: Int = 2, layerIDBits: Int = 8, spatialBits: Int = 10) throws {
        self.grid = grid
        self.chunkSize = chunkSize
        self.fanout = fanout
        self.layerIDBits = layerIDBits
        self.spatialBits = spatialBits
        try validate()
    }

    /// Layers from 1 (supervoxels) to the root layer: enough for one chunk to cover the volume,
    /// as PyChunkedGraph counts them (`ceil(log_FANOUT(max chunks)) + 2`), and at least 3.
    public var layerCount: Int {
        var layers = 2
        var chunks = grid.max() ?? 1
        while chunks > 1 {
            chunks = (chunks + fanout - 1) / fanout
            layers += 1
        }
        return max(3, layers)
    }

    public var rootLayer: Int { layerCount }

    /// Layers that have chunk tasks: 2 through the root layer.
    public var buildLayers: ClosedRange<Int> { 2...layerCount }

    /// Chunks along x, y and z at `layer` (layer 1 shares layer 2's grid); border chunks of a
    /// layer whose lower grid does not divide by `FANOUT` have fewer children.
    public func chunkCounts(layer: Int) -> [Int] {
        let span = power(fanout, max(0, layer - 2))
        return grid.map { ($0 + span - 1) / span }
    }

    public func chunkCount(layer: Int) -> Int {
        chunkCounts(layer: layer).reduce(1, *)
    }

    public func contains(_ chunk: ChunkCoordinate) -> Bool {
        guard chunk.layer >= 1, chunk.layer <= layerCount else { return false }
        let counts = chunkCounts(layer: chunk.layer)
        return chunk.x < counts[0] && chunk.y < counts[1] && chunk.z < counts[2] && chunk.x >= 0 && chunk.y >= 0 && chunk.z >= 0
    }

    /// Every chunk of a layer, x fastest.
    public func chunks(layer: Int) -> [ChunkCoordinate] {
        let counts = chunkCounts(layer: layer)
        var result: [ChunkCoordinate] = []
        result.reserveCapacity(counts.reduce(1, *))
        for z in 0..<counts[2] {
            for y in 0..<counts[1] {
                for x in 0..<counts[0] { result.append(ChunkCoordinate(layer: layer, x: x, y: y, z: z)) }
            }
        }
        return result
    }

    /// The chunk one layer up that holds `chunk`.
    public func parent(of chunk: ChunkCoordinate) -> ChunkCoordinate {
        ChunkCoordinate(layer: chunk.layer + 1, x: chunk.x / fanout, y: chunk.y / fanout, z: chunk.z / fanout)
    }

    /// The chunks one layer down that `chunk` merges: up to `FANOUT³`, fewer at the border.
    public func children(of chunk: ChunkCoordinate) -> [ChunkCoordinate] {
        guard chunk.layer >= 3 else { return [] }
        let counts = chunkCounts(layer: chunk.layer - 1)
        var result: [ChunkCoordinate] = []
        for dz in 0..<fanout {
            for dy in 0..<fanout {
                for dx in 0..<fanout {
                    let x = chunk.x * fanout + dx, y = chunk.y * fanout + dy, z = chunk.z * fanout + dz
                    if x < counts[0] && y < counts[1] && z < counts[2] {
                        result.append(ChunkCoordinate(layer: chunk.layer - 1, x: x, y: y, z: z))
                    }
                }
            }
        }
        return result
    }

    /// The lowest layer whose chunk holds both layer-2 chunks: where an edge between them becomes internal.
    public func meetingLayer(_ a: ChunkCoordinate, _ b: ChunkCoordinate) -> Int {
        var (ax, ay, az, bx, by, bz) = (a.x, a.y, a.z, b.x, b.y, b.z)
        var layer = 2
        while ax != bx || ay != by || az != bz {
            ax /= fanout; ay /= fanout; az /= fanout
            bx /= fanout; by /= fanout; bz /= fanout
            layer += 1
        }
        return layer
    }

    /// The central chunk of layer 3 and its layer-2 children: what `--test` builds, where data is most likely.
    public var testChunk: ChunkCoordinate {
        let counts = chunkCounts(layer: 3)
        return ChunkCoordinate(layer: 3, x: counts[0] / 2, y: counts[1] / 2, z: counts[2] / 2)
    }

    /// A number for every chunk of every layer, unique in the graph: layer 2's chunks first.
    public func ordinal(of chunk: ChunkCoordinate) -> Int {
        var offset = 0
        for layer in 2..<chunk.layer { offset += chunkCount(layer: layer) }
        let counts = chunkCounts(layer: chunk.layer)
        return offset + chunk.x + counts[0] * (chunk.y + counts[1] * chunk.z)
    }

    public var totalChunkCount: Int { buildLayers.reduce(0) { $0 + chunkCount(layer: $1) } }

    /// Root segment ids are split between the chunks that complete objects: the high bits number
    /// the chunk (`ordinal(of:)`), these low bits the root within it.
    public var rootLocalBits: Int { segmentBits(layer: rootLayer) - bitWidth(totalChunkCount) }

    // MARK: - Id bits

    /// Bits per coordinate in ids of `layer`: enough for `FANOUT^(layers - layer)` chunks
    /// (PyChunkedGraph's rule), and `SPATIAL_BITS` at least for supervoxels.
    public func coordinateBits(layer: Int) -> Int {
        if layer <= 1 { return max(spatialBits, coordinateBits(layer: 2)) }
        let span = power(fanout, max(0, layerCount - layer))
        return max(1, bitWidth(span - 1))
    }

    /// Bits left for the segment id in ids of `layer`.
    public func segmentBits(layer: Int) -> Int {
        64 - layerIDBits - 3 * coordinateBits(layer: layer)
    }

    func validate() throws {
        guard grid.count == 3, grid.allSatisfy({ $0 >= 1 }) else {
            throw GraphError.invalidGeometry("the volume must span at least one chunk along x, y and z, got \(grid)")
        }
        guard chunkSize.count == 3, chunkSize.allSatisfy({ $0 >= 1 }) else {
            throw GraphError.invalidGeometry("CHUNK_SIZE must be three positive numbers such as [256, 256, 512], got \(chunkSize)")
        }
        guard fanout >= 2 else { throw GraphError.invalidGeometry("FANOUT must be at least 2, got \(fanout)") }
        guard (1...16).contains(layerIDBits) else {
            throw GraphError.invalidGeometry("LAYER_ID_BITS must be between 1 and 16, got \(layerIDBits)")
        }
        guard layerCount < 1 << layerIDBits else {
            throw GraphError.invalidGeometry("\(layerCount) layers do not fit in LAYER_ID_BITS \(layerIDBits); raise LAYER_ID_BITS")
        }
        guard spatialBits >= 1 else { throw GraphError.invalidGeometry("SPATIAL_BITS must be at least 1, got \(spatialBits)") }
        guard coordinateBits(layer: 2) <= spatialBits else {
            throw GraphError.invalidGeometry(
                "SPATIAL_BITS \(spatialBits) cannot number \(grid.max()!) chunks per dimension; raise it to \(coordinateBits(layer: 2))")
        }
        guard rootLocalBits >= 16 else {
            throw GraphError.invalidGeometry("root ids cannot number the roots of \(totalChunkCount) chunks; lower LAYER_ID_BITS")
        }
        for layer in 1...layerCount where segmentBits(layer: layer) < 8 {
            throw GraphError.invalidGeometry(
                "ids of layer \(layer) keep only \(segmentBits(layer: layer)) bits for segments; lower SPATIAL_BITS or LAYER_ID_BITS")
        }
    }
}

func power(_ base: Int, _ exponent: Int) -> Int {
    var result = 1
    for _ in 0..<exponent {
        let (product, overflow) = result.multipliedReportingOverflow(by: base)
        if overflow { return Int.max }
        result = product
    }
    return result
}

/// Bits needed to write `value` (0 needs 0).
func bitWidth(_ value: Int) -> Int {
    value <= 0 ? 0 : Int.bitWidth - value.leadingZeroBitCount
}
