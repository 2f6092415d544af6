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

    /// The most chunks (tasks) one graph may have, all layers together: 2^25 = 33,554,432, several
    /// times the layer-2 chunks of the largest volumes PyChunkedGraph has ingested. A grid beyond it
    /// nearly always comes from a `CHUNK_SIZE` far too small (`[1, 1, 1]`), and is refused before
    /// anything is enumerated: each chunk is a broker round trip and a row in the graph store.
    public static let maximumChunkCount = 1 << 25

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
        return grid.map { ($0 - 1) / span + 1 }
    }

    /// Chunks of a layer; saturates at `Int.max` rather than trap, so an absurd grid can be refused.
    public func chunkCount(layer: Int) -> Int {
        chunkCounts(layer: layer).reduce(1) { saturating($0.multipliedReportingOverflow(by: $1)) }
    }

    public func contains(_ chunk: ChunkCoordinate) -> Bool {
        guard chunk.layer >= 1, chunk.layer <= layerCount else { return false }
        let counts = chunkCounts(layer: chunk.layer)
        return chunk.x < counts[0] && chunk.y < counts[1] && chunk.z < counts[2] && chunk.x >= 0 && chunk.y >= 0 && chunk.z >= 0
    }

    /// Every chunk of a layer, x fastest.
    public func chunks(layer: Int) -> [ChunkCoordinate] {
        chunks(layer: layer, range: 0..<chunkCount(layer: layer))
    }

    /// The chunks of a layer whose positions in x-fastest order (`chunks(layer:)`) are in `range`:
    /// one slice of a layer, without the layer.
    public func chunks(layer: Int, range: Range<Int>) -> [ChunkCoordinate] {
        let counts = chunkCounts(layer: layer)
        return range.map { index in
            ChunkCoordinate(layer: layer, x: index % counts[0], y: index / counts[0] % counts[1], z: index / (counts[0] * counts[1]))
        }
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

    public var totalChunkCount: Int { buildLayers.reduce(0) { saturating($0.addingReportingOverflow(chunkCount(layer: $1))) } }

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

    /// Checks the options first, then that the grid fits the ids and the bound on chunks: the grid's
    /// checks come in an order that keeps every count below overflow, so any numbers get a message.
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
        guard spatialBits >= 1 else { throw GraphError.invalidGeometry("SPATIAL_BITS must be at least 1, got \(spatialBits)") }
        guard 64 - layerIDBits - 3 * spatialBits >= 8 else {
            throw GraphError.invalidGeometry(
                "SPATIAL_BITS \(spatialBits) and LAYER_ID_BITS \(layerIDBits) leave \(64 - layerIDBits - 3 * spatialBits) bits for supervoxel segments, "
                    + "fewer than 8; lower SPATIAL_BITS to \((64 - layerIDBits - 8) / 3) at most")
        }
        try validateGrid()
    }

    /// The limits a larger `CHUNK_SIZE` (a smaller grid) lifts.
    private func validateGrid() throws {
        func tooLarge(_ problem: String, or alternative: String? = nil) -> GraphError {
            .gridTooLarge(grid: grid, layers: layerCount, fanout: fanout, problem: problem, alternative: alternative)
        }
        guard layerCount < 1 << layerIDBits else {
            throw tooLarge(
                "\(layerCount) layers do not fit in LAYER_ID_BITS \(layerIDBits)", or: "raise LAYER_ID_BITS to \(bitWidth(layerCount))")
        }
        for layer in 1...layerCount where segmentBits(layer: layer) < 8 {
            throw tooLarge(
                "ids of layer \(layer) need \(coordinateBits(layer: layer)) bits per coordinate and keep only \(segmentBits(layer: layer)) bits for segments")
        }
        guard coordinateBits(layer: 2) <= spatialBits else {
            throw tooLarge(
                "SPATIAL_BITS \(spatialBits) cannot number \(grid.max()!) chunks along one side",
                or: "raise SPATIAL_BITS to \(coordinateBits(layer: 2))")
        }
        // Bits per coordinate are at most (64 - 1 - 8) / 3 = 18 here, so the counts cannot overflow.
        guard totalChunkCount <= Self.maximumChunkCount else {
            throw tooLarge("\(grouped(totalChunkCount)) chunk tasks, more than the \(grouped(Self.maximumChunkCount)) one graph may have")
        }
        guard rootLocalBits >= 16 else {
            throw tooLarge("root ids cannot number the roots of \(grouped(totalChunkCount)) chunks", or: "lower LAYER_ID_BITS")
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

func saturating(_ result: (partialValue: Int, overflow: Bool)) -> Int {
    result.overflow ? Int.max : result.partialValue
}

/// `1234567` as `1,234,567`: counts in messages.
func grouped(_ value: Int) -> String {
    var digits = String(value.magnitude)
    var index = digits.endIndex
    while digits.distance(from: digits.startIndex, to: index) > 3 {
        index = digits.index(index, offsetBy: -3)
        digits.insert(",", at: index)
    }
    return value < 0 ? "-" + digits : digits
}

/// Bits needed to write `value` (0 needs 0).
func bitWidth(_ value: Int) -> Int {
    value <= 0 ? 0 : Int.bitWidth - value.leadingZeroBitCount
}
