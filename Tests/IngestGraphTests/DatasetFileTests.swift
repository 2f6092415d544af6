import Foundation
import IngestGraph
import IngestTesting
import Testing

/// The dataset file and the chunk file formats: what a user gets told when one is wrong.
@Suite struct DatasetFileTests {
    /// A valid dataset directory and a way to write dataset files into it.
    final class Files: @unchecked Sendable {
        let directory: TemporaryDirectory

        init() throws {
            directory = try TemporaryDirectory(prefix: "ingest-dataset")
            for sub in ["edges", "components"] {
                try FileManager.default.createDirectory(atPath: directory.subpath(sub), withIntermediateDirectories: true)
            }
            try WatershedInfo.write(directory: directory.subpath("ws"), size: [1000, 600, 90], chunkSize: [256, 256, 64])
        }

        func write(_ yaml: String) throws -> String {
            let path = directory.subpath("dataset.yml")
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func error(_ yaml: String) throws -> String {
            do {
                _ = try GraphDataset.load(path: try write(yaml)).geometry()
                return ""
            } catch {
                return "\(error)"
            }
        }
    }

    static let valid = """
        data_source:
          EDGES: edges
          COMPONENTS: components
          WATERSHED: ws
          DATA_VERSION: 4
        graph_config:
          CHUNK_SIZE: [256, 256, 64]
          FANOUT: 2
        backend_client:
          TYPE: sqlite
          CONFIG:
            ADMIN: true
        ingest_config:
          AGGLOMERATION: gs://somewhere/agg
        """

    @Test func pyChunkedGraphKeysAreReadAndTheGridComesFromTheWatershedInfo() throws {
        let files = try Files()
        let dataset = try GraphDataset.load(path: try files.write(Self.valid))
        #expect(dataset.directories.edges == files.directory.subpath("edges"))
        #expect(dataset.backend == .sqlite(path: nil))
        let geometry = try dataset.geometry()
        #expect(geometry.grid == [4, 3, 2])
        #expect(geometry.layerCount == 4)
        #expect((geometry.layerIDBits, geometry.spatialBits) == (8, 10))
    }

    /// A file written for PyChunkedGraph runs as it is: its settings that change nothing here are
    /// accepted, each with a warning naming it.
    @Test func pyChunkedGraphSettingsWithoutEffectAreAcceptedWithAWarning() throws {
        let files = try Files()
        let yaml = Self.valid
            .replacingOccurrences(of: "  DATA_VERSION: 4", with: "  DATA_VERSION: 4\n  USE_RAW_EDGES: false\n  USE_RAW_COMPONENTS: false")
            .replacingOccurrences(of: "  FANOUT: 2", with: "  FANOUT: 2\n  ID_PREFIX: \"\"")
        let dataset = try GraphDataset.load(path: try files.write(yaml))
        #expect(dataset.fanout == 2)
        let warned = dataset.warnings.joined(separator: "\n")
        for key in ["data_source.DATA_VERSION", "data_source.USE_RAW_EDGES", "data_source.USE_RAW_COMPONENTS", "graph_config.ID_PREFIX",
                    "ingest_config.AGGLOMERATION"] {
            #expect(warned.contains("\(key) (line"), "no warning for \(key): \(warned)")
        }
        #expect(dataset.warnings.count == 5)
    }

    @Test func anUnknownKeyIsNamedWithItsLine() throws {
        let message = try Files().error(Self.valid.replacingOccurrences(of: "  FANOUT: 2", with: "  FANOUT: 2\n  CHUNKSIZE: 3"))
        #expect(message.contains("graph_config.CHUNKSIZE (line 9): unknown key; graph_config takes CHUNK_SIZE, FANOUT, LAYER_ID_BITS, SPATIAL_BITS"))
    }

    @Test func aMissingRequiredKeyIsNamed() throws {
        let files = try Files()
        #expect(try files.error(Self.valid.replacingOccurrences(of: "  CHUNK_SIZE: [256, 256, 64]\n", with: "")).contains("graph_config.CHUNK_SIZE"))
        #expect(try files.error(Self.valid.replacingOccurrences(of: "  WATERSHED: ws\n", with: "")).contains("data_source.WATERSHED"))
    }

    @Test func inputsMayBeBucketPrefixesMixedWithLocalDirectories() throws {
        let files = try Files()
        let yaml = Self.valid
            .replacingOccurrences(of: "EDGES: edges", with: "EDGES: s3://lab-data/fly/edges/")
            .replacingOccurrences(of: "WATERSHED: ws", with: "WATERSHED: S3://lab-data//fly/ws")
        let dataset = try GraphDataset.load(path: try files.write(yaml))
        #expect(dataset.directories.edges == "s3://lab-data/fly/edges")
        #expect(dataset.directories.components == files.directory.subpath("components"))
        #expect(dataset.watershed == "s3://lab-data/fly/ws")
        #expect(dataset.readsBuckets)
        #expect(try !GraphDataset.load(path: try files.write(Self.valid)).readsBuckets)
    }

    @Test func badValuesNameTheKeyAndTheFix() throws {
        let files = try Files()
        #expect(try files.error(Self.valid.replacingOccurrences(of: "FANOUT: 2", with: "FANOUT: 1")).contains("graph_config.FANOUT (line 8): must be a whole number of at least 2"))
        #expect(try files.error(Self.valid.replacingOccurrences(of: "[256, 256, 64]", with: "[256, 256]")).contains("must be a list of three numbers"))
        #expect(try files.error(Self.valid.replacingOccurrences(of: "EDGES: edges", with: "EDGES: gs://bucket/edges"))
            .contains("'gs://bucket/edges' is remote; ingest reads local directories and s3://BUCKET/PREFIX, so copy the data to one of those"))
        #expect(try files.error(Self.valid.replacingOccurrences(of: "EDGES: edges", with: "EDGES: s3://")).contains("data_source.EDGES (line 2): 's3://' names no bucket"))
        #expect(try files.error(Self.valid.replacingOccurrences(of: "TYPE: sqlite\n  CONFIG:", with: "TYPE: sqlite\n  CONFIG:\n    PATH: s3://b/g.sqlite"))
            .contains("backend_client.CONFIG.PATH (line 12): 's3://b/g.sqlite' is remote; ingest keeps it in a local file"))
        #expect(try files.error(Self.valid.replacingOccurrences(of: "EDGES: edges", with: "EDGES: nowhere")).contains("is not a directory"))
        #expect(try files.error(Self.valid.replacingOccurrences(of: "TYPE: sqlite", with: "TYPE: bigtable")).contains("'bigtable' is not supported; use sqlite"))
        #expect(try files.error(Self.valid.replacingOccurrences(of: "WATERSHED: ws", with: "WATERSHED: edges")).contains("edges/info does not exist"))
    }

    @Test func aPostgresBackendTakesItsURLFromConfigOrFallsBackToTheCatalog() throws {
        let files = try Files()
        let postgres = Self.valid.replacingOccurrences(of: "TYPE: sqlite", with: "TYPE: postgres")
        #expect(try GraphDataset.load(path: files.write(postgres)).backend == .postgres(url: nil))
        let mapping = postgres.replacingOccurrences(of: "ADMIN: true", with: "URL: postgres://ingest:pw@db:5432/graphs")
        #expect(try GraphDataset.load(path: files.write(mapping)).backend == .postgres(url: "postgres://ingest:pw@db:5432/graphs"))
        let scalar = postgres.replacingOccurrences(of: "CONFIG:\n    ADMIN: true", with: "CONFIG: postgresql://ingest@db/graphs")
        #expect(try GraphDataset.load(path: files.write(scalar)).backend == .postgres(url: "postgresql://ingest@db/graphs"))
    }

    @Test func aConfigThatIsNoPostgresURLNamesTheKeyAndTheFixWithoutItsPassword() throws {
        let files = try Files()
        let postgres = Self.valid.replacingOccurrences(of: "TYPE: sqlite", with: "TYPE: postgres")
        let message = try files.error(postgres.replacingOccurrences(of: "ADMIN: true", with: "URL: mysql://ingest:secret@db/graphs"))
        #expect(message.contains("backend_client.CONFIG.URL (line 12): 'mysql://ingest@db/graphs' is not a PostgreSQL URL; write postgres://"))
        #expect(!message.contains("secret"))
        #expect(try files.error(postgres.replacingOccurrences(of: "ADMIN: true", with: "HOST: db")).contains("backend_client.CONFIG.HOST"))
    }

    @Test func aStoreLocationIsRecordedWithoutItsPassword() throws {
        let location = GraphStoreLocation.postgres(url: "postgres://ingest:s%40cret@db.internal:5432/graphs?sslmode=require")
        let recorded = String(decoding: try JSONEncoder().encode(location), as: UTF8.self)
        #expect(recorded == #""postgres:\/\/ingest@db.internal:5432\/graphs?sslmode=require""#)
        #expect(try JSONDecoder().decode(GraphStoreLocation.self, from: Data(recorded.utf8)) == .postgres(url: "postgres://ingest@db.internal:5432/graphs?sslmode=require"))
        // Passwords holding '?' or '#' (accepted raw, as PostgresURL reads them) go whole.
        for password in ["a?b", "a#b", "a@b?c#d"] {
            let location = GraphStoreLocation.postgres(url: "postgres://ingest:\(password)@db.internal:5432/graphs")
            #expect(location.recorded == "postgres://ingest@db.internal:5432/graphs", "\(password)")
            #expect(!location.description.contains(password), "\(location.description)")
        }
        for location in [GraphStoreLocation.sqlite(path: "/var/graphs/g.sqlite"), .postgres(url: nil)] {
            #expect(try JSONDecoder().decode(GraphStoreLocation.self, from: JSONEncoder().encode(location)) == location)
        }
    }

    @Test func edgeFilesRoundTripAndTruncationIsNamed() throws {
        let files = try Files()
        let path = files.directory.subpath("edges/0_0_0.edges")
        let inChunk = [Edge(1, 2, affinity: 0.5, area: 7)], between = [Edge(1, 99, affinity: 0.25, area: 3)], cross = [Edge(2, 98)]
        try EdgeFile.write(path: path, inChunk: inChunk, betweenChunk: between, crossChunk: cross)
        var read: [(EdgeKind, Edge)] = []
        try EdgeFile.read(path: path) { read.append(($0, $1)) }
        #expect(read.map(\.0) == [.inChunk, .betweenChunk, .crossChunk])
        #expect(read.map(\.1) == inChunk + between + cross)

        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try (data + Data([0])).write(to: URL(fileURLWithPath: path))
        #expect(throws: GraphError.badChunkFile(path: path, reason: "has 1 bytes after the 3 records its header promises; write it again")) {
            try EdgeFile.read(path: path) { _, _ in }
        }
        try Data("not an edges file at all, really".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: GraphError.self) { try EdgeFile.read(path: path) { _, _ in } }
        #expect(try EdgeFile.read(path: files.directory.subpath("edges/9_9_9.edges")) { _, _ in } == false)
    }
}

extension DatasetFileTests {
    /// All problems of a file in one error (issue 12, B7): one edit fixes them, not one per run.
    @Test func everyProblemOfAFileIsReportedTogether() throws {
        let files = try Files()
        let message = try files.error("""
            data_source:
              EDGES: nowhere
              COMPONENTS: components
              WATERSHED: ws
              EXTRA: 1
            graph_config:
              CHUNK_SIZE: [256, 256, 64]
              FANOUT: 1
            backend_client:
              TYPE: bigtable
            """)
        #expect(message.contains("has 4 problems"), "\(message)")
        #expect(message.contains("data_source.EXTRA (line 5): unknown key"), "\(message)")
        #expect(message.contains("data_source.EDGES (line 2): ") && message.contains("is not a directory"), "\(message)")
        #expect(message.contains("graph_config.FANOUT (line 8): must be a whole number of at least 2"), "\(message)")
        #expect(message.contains("backend_client.TYPE (line 10): 'bigtable' is not supported"), "\(message)")
    }
}
