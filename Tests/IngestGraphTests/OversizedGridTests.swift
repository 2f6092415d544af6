import Foundation
import IngestGraph
import IngestTesting
import Testing

/// A chunk grid too large for the node ids or for the broker is refused when the dataset is read,
/// naming the dataset's keys and a CHUNK_SIZE that fits, before a store is created or a task queued.
@Suite struct OversizedGridTests {
    /// A generated dataset whose watershed spans `size` voxels, cut into `chunkSize` chunks.
    private func dataset(_ fixture: GraphFixture, size: [Int], chunkSize: [Int]) throws -> String {
        let path = try fixture.generate(chunks: [1, 1, 1])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let chunkLine = "CHUNK_SIZE: [\(chunkSize.map(String.init).joined(separator: ", "))]"
        try text.replacingOccurrences(of: "CHUNK_SIZE: [256, 256, 64]", with: chunkLine).write(toFile: path, atomically: true, encoding: .utf8)
        try WatershedInfo.write(directory: try GraphDataset.load(path: path).watershed, size: size, chunkSize: chunkSize)
        return path
    }

    /// Checks that `prepare` refuses the dataset and leaves no store and no job behind.
    private func expectNothingMade(_ fixture: GraphFixture, dataset: String) async throws {
        await #expect(throws: GraphError.self) {
            try await GraphJob.prepare(
                dataset: try GraphDataset.load(path: dataset), graphID: "g", test: false, retry: false,
                defaultStore: fixture.storePath("g"), opener: fixture.stores.opener)
        }
        #expect(!FileManager.default.fileExists(atPath: fixture.storePath("g")), "a refused grid creates no store")
        #expect(try await fixture.broker.jobs().isEmpty)
    }

    @Test func aGridWithMoreChunkTasksThanABrokerShouldHoldIsRefusedWithTheNumbers() async throws {
        try await GraphFixture.run { fixture in
            // CHUNK_SIZE [1, 1, 1]: 268 million layer-2 chunks, ids would fit.
            let path = try dataset(fixture, size: [1024, 1024, 256], chunkSize: [1, 1, 1])
            let error = try #require(throws: GraphError.self) { try GraphDataset.load(path: path).geometry() }
            let message = "\(error)"
            #expect(message.contains("graph_config.CHUNK_SIZE: [1, 1, 1] over the watershed's [1024, 1024, 256] voxels"), "\(message)")
            #expect(message.contains("a grid of 1024 x 1024 x 256 layer-2 chunks in 12 layers (FANOUT 2)"), "\(message)")
            #expect(message.contains("306,783,381 chunk tasks, more than the 33,554,432 one graph may have"), "\(message)")
            #expect(message.contains("use a larger CHUNK_SIZE, such as [4, 4, 4]"), "\(message)")
            try await expectNothingMade(fixture, dataset: path)
        }
    }

    @Test func aGridTooWideForTheIDBitsIsRefusedNamingChunkSizeAndTheFix() async throws {
        try await GraphFixture.run { fixture in
            // 4096 chunks along x need 12 bits per coordinate; SPATIAL_BITS is 10.
            let path = try dataset(fixture, size: [4096, 64, 64], chunkSize: [1, 64, 64])
            let error = try #require(throws: GraphError.self) { try GraphDataset.load(path: path).geometry() }
            let message = "\(error)"
            #expect(message.contains("graph_config.CHUNK_SIZE: [1, 64, 64] over the watershed's [4096, 64, 64] voxels"), "\(message)")
            #expect(message.contains("a grid of 4096 x 1 x 1 layer-2 chunks in 14 layers (FANOUT 2)"), "\(message)")
            #expect(message.contains("SPATIAL_BITS 10 cannot number 4096 chunks along one side"), "\(message)")
            #expect(message.contains("use a larger CHUNK_SIZE, such as [4, 64, 64], or raise SPATIAL_BITS to 12"), "\(message)")
            try await expectNothingMade(fixture, dataset: path)
        }
    }

    @Test func tooManyLayersForTheLayerBitsIsRefusedNamingChunkSizeAndTheFix() async throws {
        try await GraphFixture.run { fixture in
            let path = try dataset(fixture, size: [64, 64, 64], chunkSize: [1, 1, 1])
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "LAYER_ID_BITS: 8", with: "LAYER_ID_BITS: 3").write(toFile: path, atomically: true, encoding: .utf8)
            let message = "\(try #require(throws: GraphError.self) { try GraphDataset.load(path: path).geometry() })"
            #expect(message.contains("graph_config.CHUNK_SIZE: [1, 1, 1]"), "\(message)")
            #expect(message.contains("8 layers do not fit in LAYER_ID_BITS 3"), "\(message)")
            #expect(message.contains("use a larger CHUNK_SIZE, such as [2, 2, 2], or raise LAYER_ID_BITS to 4"), "\(message)")
        }
    }

    @Test func sizesBeyondAnyGridAreRefusedWithoutCrashing() async throws {
        try await GraphFixture.run { fixture in
            let path = try dataset(fixture, size: [256, 256, 64], chunkSize: [256, 256, 64])
            let watershed = try GraphDataset.load(path: path).watershed
            try #"{"scales": [{"size": [1e300, 256, 64], "resolution": [8, 8, 40]}]}"#.write(toFile: watershed + "/info", atomically: true, encoding: .utf8)
            let message = "\(try #require(throws: GraphError.self) { try GraphDataset.load(path: path).geometry() })"
            #expect(message.contains("data_source.WATERSHED"), "\(message)")
            #expect(message.contains("\"size\""), "\(message)")

            // Numbers whose grid arithmetic would overflow: refused with a message, not a crash.
            try WatershedInfo.write(directory: watershed, size: [1 << 50, 1 << 50, 1 << 50], chunkSize: [1, 1, 1])
            let yaml = try String(contentsOfFile: path, encoding: .utf8)
            let edits = [
                ["CHUNK_SIZE: [256, 256, 64]": "CHUNK_SIZE: [1, 1, 1]", "SPATIAL_BITS: 10": "SPATIAL_BITS: 50", "LAYER_ID_BITS: 8": "LAYER_ID_BITS: 6"],
                ["CHUNK_SIZE: [256, 256, 64]": "CHUNK_SIZE: [9223372036854775807, 1, 1]"],
            ]
            for edit in edits {
                let edited = edit.reduce(yaml) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
                try edited.write(toFile: path, atomically: true, encoding: .utf8)
                #expect(throws: GraphError.self) { try GraphDataset.load(path: path).geometry() }
            }
        }
    }

    @Test func aGridWithinTheBoundIsAcceptedAndOneBeyondItRefused() throws {
        // 256 x 256 x 256 layer-2 chunks (and their parents): within the bound.
        let geometry = try GraphGeometry(grid: [256, 256, 256])
        #expect(geometry.totalChunkCount <= GraphGeometry.maximumChunkCount)
        #expect(throws: GraphError.self) { try GraphGeometry(grid: [512, 512, 256]) }
    }
}
