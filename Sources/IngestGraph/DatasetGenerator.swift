import Foundation

/// Writes a synthetic dataset shaped like a segmented volume: each layer-2 chunk is a block of
/// `side³` supervoxels with an edge between every two face neighbours; objects (agglomeration
/// components) are Voronoi cells around random seeds, so they span chunks; a few supervoxels are
/// lone fragments; some same-object border contacts are split supervoxels (cross-chunk edges),
/// and a few cross-chunk edges join different objects (merges the agglomeration missed).
///
/// Everything follows from the options: the same seed writes the same bytes.
public struct DatasetGenerator: Sendable {
    public struct Options: Sendable, Equatable {
        /// Layer-2 chunks along x, y and z.
        public var chunks: [Int]
        /// Supervoxels along each side of a chunk.
        public var supervoxelsPerSide: Int = 12
        /// Mean supervoxels per object.
        public var objectSize: Int = 150
        /// Share of supervoxels that are lone fragments, in their own component.
        public var fragmentShare: Double = 0.03
        /// Share of same-object border contacts written as cross-chunk edges.
        public var crossShare: Double = 0.1
        /// Share of different-object border contacts written as cross-chunk edges.
        public var mergeShare: Double = 0.005
        public var seed: UInt64 = 1
        public var fanout: Int = 2
        public var chunkSize: [Int] = [256, 256, 64]
        public var layerIDBits: Int = 8
        public var spatialBits: Int = 10

        public init(chunks: [Int]) {
            self.chunks = chunks
        }
    }

    public let options: Options
    public let layout: NodeIDLayout
    private let seeds: SeedIndex

    public init(_ options: Options) throws {
        guard options.chunks.count == 3, options.chunks.allSatisfy({ $0 >= 1 }) else {
            throw GraphError.invalidGeometry("--chunks takes three positive numbers such as 4,4,2, got \(options.chunks)")
        }
        guard options.supervoxelsPerSide >= 1, options.objectSize >= 1 else {
            throw GraphError.invalidGeometry("supervoxels per side and object size must be at least 1")
        }
        self.options = options
        let geometry = try GraphGeometry(
            grid: options.chunks, chunkSize: options.chunkSize, fanout: options.fanout, layerIDBits: options.layerIDBits,
            spatialBits: options.spatialBits)
        layout = NodeIDLayout(geometry)
        let extent = options.chunks.map { $0 * options.supervoxelsPerSide }
        seeds = SeedIndex(extent: extent, objectSize: options.objectSize, seed: options.seed)
    }

    /// Writes `info`, the edges and components of every chunk, and `dataset.yml` under `directory`.
    /// - Returns: the path of `dataset.yml`.
    @discardableResult
    public func write(to directory: String) throws -> String {
        let fileManager = FileManager.default
        for sub in ["edges", "components", "watershed"] {
            try fileManager.createDirectory(atPath: directory + "/" + sub, withIntermediateDirectories: true)
        }
        try WatershedInfo.write(
            directory: directory + "/watershed", size: zip(options.chunks, options.chunkSize).map(*), chunkSize: options.chunkSize)
        let chunks = layout.geometry.chunks(layer: 2)
        let failure = Failure()
        DispatchQueue.concurrentPerform(iterations: min(chunks.count, ProcessInfo.processInfo.activeProcessorCount * 4)) { worker in
            var index = worker
            let stride = min(chunks.count, ProcessInfo.processInfo.activeProcessorCount * 4)
            while index < chunks.count {
                do {
                    try writeChunk(chunks[index], to: directory)
                } catch {
                    failure.record(error)
                }
                index += stride
            }
        }
        if let error = failure.error { throw error }
        let yaml = """
            # Written by `ingest graph generate`: \(options.chunks.map(String.init).joined(separator: "x")) layer-2 chunks, seed \(options.seed).
            data_source:
              EDGES: edges
              COMPONENTS: components
              WATERSHED: watershed
            graph_config:
              CHUNK_SIZE: [\(options.chunkSize.map(String.init).joined(separator: ", "))]
              FANOUT: \(options.fanout)
              LAYER_ID_BITS: \(options.layerIDBits)
              SPATIAL_BITS: \(options.spatialBits)
            backend_client:
              TYPE: sqlite
            ingest_config: {}

            """
        let path = directory + "/dataset.yml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The supervoxel id at global supervoxel position `p`.
    public func supervoxel(_ p: [Int]) -> UInt64 {
        let side = options.supervoxelsPerSide
        let chunk = ChunkCoordinate(layer: 1, x: p[0] / side, y: p[1] / side, z: p[2] / side)
        let local = (p[0] % side) + side * ((p[1] % side) + side * (p[2] % side))
        return layout.id(chunk: chunk, segment: UInt64(local + 1))
    }

    /// The agglomeration component of the supervoxel at `p`.
    func component(_ p: [Int]) -> UInt64 {
        let linear = UInt64(p[0]) | UInt64(p[1]) << 21 | UInt64(p[2]) << 42
        if unitHash(linear, salt: 1) < options.fragmentShare { return (1 << 62) | linear }
        return seeds.nearest(p).map { UInt64($0 + 1) } ?? ((1 << 62) | linear)
    }

    func writeChunk(_ chunk: ChunkCoordinate, to directory: String) throws {
        let side = options.supervoxelsPerSide
        let extent = options.chunks.map { $0 * side }
        let origin = [chunk.x * side, chunk.y * side, chunk.z * side]
        var entries: [(supervoxel: UInt64, component: UInt64)] = []
        var inChunk: [Edge] = [], between: [Edge] = [], cross: [Edge] = []
        entries.reserveCapacity(side * side * side)
        inChunk.reserveCapacity(3 * side * side * side)
        for lz in 0..<side {
            for ly in 0..<side {
                for lx in 0..<side {
                    let p = [origin[0] + lx, origin[1] + ly, origin[2] + lz]
                    let id = supervoxel(p)
                    let component = component(p)
                    entries.append((id, component))
                    for axis in 0..<3 {
                        for step in [-1, 1] {
                            var q = p
                            q[axis] += step
                            guard q[axis] >= 0, q[axis] < extent[axis] else { continue }
                            let local = [lx, ly, lz][axis] + step
                            let other = supervoxel(q)
                            let otherComponent = self.component(q)
                            let pairHash = unitHash(min(id, other) ^ (max(id, other) &* 0x9E37_79B9), salt: 2)
                            let same = component == otherComponent
                            let edge = Edge(
                                id, other, affinity: Float(same ? 0.6 + 0.4 * pairHash : 0.5 * pairHash),
                                area: UInt32(1 + Int(pairHash * 400)))
                            if local >= 0 && local < side {
                                if step == 1 { inChunk.append(edge) }  // each in-chunk edge once
                            } else if same ? pairHash < options.crossShare : pairHash < options.mergeShare {
                                cross.append(edge)
                            } else {
                                between.append(edge)
                            }
                        }
                    }
                }
            }
        }
        try EdgeFile.write(path: directory + "/edges/" + EdgeFile.name(chunk), inChunk: inChunk, betweenChunk: between, crossChunk: cross)
        try ComponentsFile.write(path: directory + "/components/" + ComponentsFile.name(chunk), entries)
    }
}

/// Object seeds bucketed by cell so each supervoxel looks only at nearby seeds.
private struct SeedIndex: Sendable {
    let cell: Int
    let cells: [Int]
    let buckets: [[Int32]]
    let points: [[Int32]]

    init(extent: [Int], objectSize: Int, seed: UInt64) {
        let volume = extent.reduce(1, *)
        let count = max(1, volume / objectSize)
        // About one seed per cell: the 27 cells around a supervoxel then nearly always hold its nearest seed.
        let cell = max(1, Int(pow(Double(objectSize), 1.0 / 3).rounded(.up)))
        let cells = extent.map { ($0 + cell - 1) / cell }
        self.cell = cell
        self.cells = cells
        var generator = SplitMix64(seed: seed)
        var points: [[Int32]] = []
        var buckets = [[Int32]](repeating: [], count: cells.reduce(1, *))
        for index in 0..<count {
            let p = extent.map { Int32(generator.next() % UInt64($0)) }
            points.append(p)
            let c = (0..<3).map { Int(p[$0]) / cell }
            buckets[c[0] + cells[0] * (c[1] + cells[1] * c[2])].append(Int32(index))
        }
        self.points = points
        self.buckets = buckets
    }

    /// The nearest seed among the 27 cells around `p` (ties to the lower index), or nil.
    func nearest(_ p: [Int]) -> Int? {
        let c = (0..<3).map { p[$0] / cell }
        var best: (distance: Int, index: Int)?
        for dz in -1...1 {
            for dy in -1...1 {
                for dx in -1...1 {
                    let x = c[0] + dx, y = c[1] + dy, z = c[2] + dz
                    guard x >= 0, y >= 0, z >= 0, x < cells[0], y < cells[1], z < cells[2] else { continue }
                    for index in buckets[x + cells[0] * (y + cells[1] * z)] {
                        let q = points[Int(index)]
                        let d = (0..<3).reduce(0) { $0 + (p[$1] - Int(q[$1])) * (p[$1] - Int(q[$1])) }
                        if best == nil || d < best!.distance || (d == best!.distance && Int(index) < best!.index) {
                            best = (d, Int(index))
                        }
                    }
                }
            }
        }
        return best?.index
    }
}

struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A number in [0, 1) that depends only on `value` and `salt`.
func unitHash(_ value: UInt64, salt: UInt64) -> Double {
    var generator = SplitMix64(seed: value &* 0x2545_F491_4F6C_DD1D ^ salt)
    return Double(generator.next() >> 11) / Double(1 << 53)
}

private final class Failure: @unchecked Sendable {
    private let lock = NSLock()
    private var first: (any Error)?
    func record(_ error: any Error) { lock.withLock { if first == nil { first = error } } }
    var error: (any Error)? { lock.withLock { first } }
}
