import IngestGraph
import Testing

@Suite struct IDLayoutTests {
    static let geometries: [(grid: [Int], fanout: Int)] = [([4, 4, 4], 2), ([3, 5, 2], 2), ([16, 16, 8], 2), ([7, 2, 3], 3), ([1, 1, 1], 2)]

    @Test(arguments: geometries.indices)
    func idsRoundTripAtEveryLayer(_ index: Int) throws {
        let (grid, fanout) = Self.geometries[index]
        let geometry = try GraphGeometry(grid: grid, fanout: fanout)
        let layout = NodeIDLayout(geometry)
        for layer in 1...geometry.layerCount {
            let counts = geometry.chunkCounts(layer: layer)
            for chunk in [
                ChunkCoordinate(layer: layer, x: 0, y: 0, z: 0),
                ChunkCoordinate(layer: layer, x: counts[0] - 1, y: counts[1] - 1, z: counts[2] - 1),
                ChunkCoordinate(layer: layer, x: counts[0] / 2, y: 0, z: counts[2] - 1),
            ] {
                for segment in [1, 2, layout.maximumSegment(layer: layer)] {
                    let id = layout.id(chunk: chunk, segment: segment)
                    #expect(layout.layer(of: id) == layer)
                    #expect(layout.chunk(of: id) == chunk)
                    #expect(layout.segment(of: id) == segment)
                    #expect(layout.chunkID(layout.chunk(of: id)) == id & ~layout.segmentMask(layer: layer))
                }
            }
        }
    }

    @Test(arguments: geometries.indices)
    func rootIDsAreDistinctPerCompletingChunkAndLieInTheRootChunk(_ index: Int) throws {
        let (grid, fanout) = Self.geometries[index]
        let geometry = try GraphGeometry(grid: grid, fanout: fanout)
        let layout = NodeIDLayout(geometry)
        var seen = Set<UInt64>()
        for layer in geometry.buildLayers {
            for chunk in geometry.chunks(layer: layer) {
                for rootIndex in [0, 1, layout.maximumRootsPerChunk - 1] {
                    let id = layout.rootID(completedIn: chunk, index: rootIndex)
                    #expect(layout.layer(of: id) == geometry.rootLayer)
                    #expect(layout.chunk(of: id) == ChunkCoordinate(layer: geometry.rootLayer, x: 0, y: 0, z: 0))
                    #expect(seen.insert(id).inserted)
                }
            }
        }
    }

    @Test func layerCountsFollowTheSeed() throws {
        let geometry = try GraphGeometry(grid: [4, 4, 4], fanout: 2)
        #expect(geometry.layerCount == 4)
        #expect(geometry.buildLayers.map { geometry.chunkCount(layer: $0) } == [64, 8, 1])
        let big = try GraphGeometry(grid: [16, 16, 8], fanout: 2)
        #expect(big.buildLayers.map { big.chunkCount(layer: $0) } == [2048, 256, 32, 4, 1])
    }

    @Test func borderParentsHaveFewerChildren() throws {
        let geometry = try GraphGeometry(grid: [3, 5, 2], fanout: 2)
        #expect(geometry.chunkCounts(layer: 3) == [2, 3, 1])
        #expect(geometry.children(of: ChunkCoordinate(layer: 3, x: 0, y: 0, z: 0)).count == 8)
        #expect(geometry.children(of: ChunkCoordinate(layer: 3, x: 1, y: 2, z: 0)).count == 2)
        let all = geometry.chunks(layer: 3).flatMap { geometry.children(of: $0) }
        #expect(Set(all) == Set(geometry.chunks(layer: 2)))
    }

    @Test func edgesBecomeInternalWhereTheirChunksMeet() throws {
        let geometry = try GraphGeometry(grid: [8, 8, 8], fanout: 2)
        func chunk(_ x: Int, _ y: Int, _ z: Int) -> ChunkCoordinate { ChunkCoordinate(layer: 2, x: x, y: y, z: z) }
        #expect(geometry.meetingLayer(chunk(0, 0, 0), chunk(1, 0, 0)) == 3)
        #expect(geometry.meetingLayer(chunk(1, 0, 0), chunk(2, 0, 0)) == 4)
        #expect(geometry.meetingLayer(chunk(3, 3, 3), chunk(4, 3, 3)) == 5)
    }

    @Test func chunkKeysRoundTrip() {
        let chunk = ChunkCoordinate(layer: 2, x: 3, y: 0, z: 1)
        #expect(chunk.key == "2_3_0_1")
        #expect(ChunkCoordinate(key: "2_3_0_1") == chunk)
        #expect(ChunkCoordinate(key: "2_3_0") == nil)
        #expect(ChunkCoordinate(key: "a_b_c_d") == nil)
        #expect(GraphQueues.layer(of: chunk.queue) == 2)
    }

    @Test func tooManyChunksForTheBitsIsRefusedWithTheFix() {
        #expect(throws: GraphError.self) { try GraphGeometry(grid: [2048, 1, 1], spatialBits: 10) }
        do {
            _ = try GraphGeometry(grid: [2048, 1, 1], spatialBits: 10)
        } catch {
            #expect("\(error)".contains("raise SPATIAL_BITS to 11"))
        }
    }
}
