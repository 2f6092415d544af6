import Foundation
import IngestCore
import IngestGraph
import IngestS3
import IngestTesting
import NIOCore
import Testing

extension CommandLineTests {
    /// `ingest graph` with `EDGES`, `COMPONENTS` and `WATERSHED` in a bucket (PyChunkedGraph users keep
    /// their inputs there), against the moto server.
    @Suite struct GraphBucketInputsCLITests {
        /// A generated dataset in a local directory, and a fresh bucket on the test S3 server.
        final class BucketDataset: @unchecked Sendable {
            let world: CLIWorld
            let server: S3TestServer
            let client: S3Client
            let bucket = S3TestServer.uniqueBucketName("graph")
            /// The generated dataset.yml, reading its local directories.
            let localDataset: String

            init(chunks: String = "3,2,2") async throws {
                world = try CLIWorld()
                server = try S3TestServer.moto()
                client = try server.client()
                try await client.createBucket(bucket)
                world.ingest.extraEnvironment["AWS_ACCESS_KEY_ID"] = server.credentials.accessKeyID
                world.ingest.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = server.credentials.secretAccessKey
                let generated = try await world.ingest.run(
                    ["graph", "generate", world.source.path, "--chunks", chunks, "--side", "4", "--object-size", "20"])
                #expect(generated.status == 0, "\(generated.stderr)")
                localDataset = world.source.subpath("dataset.yml")
            }

            /// `--s3_endpoint_domain host:port --s3_insecure_connection`.
            var endpointOptions: [String] {
                ["--s3_endpoint_domain", "\(server.endpoint.host):\(server.endpoint.port ?? 80)", "--s3_insecure_connection"]
            }

            /// Uploads every file of the local input directory `name` under `prefix/name/`.
            func upload(_ name: String, prefix: String = "fly") async throws {
                let directory = world.source.subpath(name)
                for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
                    let bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
                    try await client.putObject(bucket: bucket, key: "\(prefix)/\(name)/\(file)", body: ByteBuffer(bytes: bytes))
                }
            }

            /// A copy of the generated dataset.yml with some inputs replaced: `["EDGES": "s3://..."]`.
            func dataset(_ name: String, inputs: [String: String]) throws -> String {
                var text = try String(contentsOfFile: localDataset, encoding: .utf8)
                for (key, value) in inputs {
                    let local = ["EDGES": "edges", "COMPONENTS": "components", "WATERSHED": "watershed"][key]!
                    text = text.replacingOccurrences(of: "\(key): \(local)", with: "\(key): \(value)")
                }
                let path = world.source.subpath(name)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }

            func store(_ graph: String) throws -> SQLiteGraphStore {
                try SQLiteGraphStore(path: world.home.subpath("graphs/\(graph).sqlite"), create: false)
            }

            func close() async {
                try? await S3TestServer.removeBucket(bucket, client: client)
                try? await client.shutdown()
            }
        }

        @Test func aGraphFromInputsInABucketIsTheGraphOfTheSameLocalInputs() async throws {
            let data = try await BucketDataset()
            defer { Task { await data.close() } }
            for name in ["edges", "components", "watershed"] { try await data.upload(name) }
            let local = try await data.world.ingest.run(["graph", "local", data.localDataset, "--synchronous"])
            #expect(local.status == 0, "\(local.stderr)")

            let s3 = "s3://\(data.bucket)/fly"
            let inBucket = try data.dataset(
                "bucket.yml", inputs: ["EDGES": "\(s3)/edges", "COMPONENTS": "\(s3)/components/", "WATERSHED": "\(s3)/watershed"])
            let built = try await data.world.ingest.run(["graph", "bucket", inBucket, "--synchronous"] + data.endpointOptions)
            #expect(built.status == 0, "\(built.stderr)")
            // Mixed freely: edges in the bucket, components and the watershed local.
            let mixed = try data.dataset("mixed.yml", inputs: ["EDGES": "\(s3)/edges"])
            let builtMixed = try await data.world.ingest.run(["graph", "mixed", mixed, "--synchronous"] + data.endpointOptions)
            #expect(builtMixed.status == 0, "\(builtMixed.stderr)")

            let expected = try data.store("local").allNodes()
            #expect(!expected.isEmpty)
            #expect(try data.store("bucket").allNodes() == expected)
            #expect(try data.store("mixed").allNodes() == expected)
            let broker = try data.world.broker()
            let bucketJob = try #require(try await broker.job(named: "bucket"))
            let localJob = try #require(try await broker.job(named: "local"))
            #expect(GraphSpec.decode(from: bucketJob)?.s3?.endpoint == "\(data.server.endpoint.host):\(data.server.endpoint.port ?? 80)")
            #expect(GraphSpec.decode(from: bucketJob)?.s3?.insecure == true)
            #expect(GraphSpec.decode(from: localJob).map { $0.s3 == nil } == true)
        }

        @Test func aMissingBucketIsRefusedAtSubmissionNamingTheKeyAndNothingIsQueued() async throws {
            let data = try await BucketDataset(chunks: "2,2,1")
            defer { Task { await data.close() } }
            let dataset = try data.dataset("missing.yml", inputs: ["EDGES": "s3://\(data.bucket)-gone/edges"])
            let result = try await data.world.ingest.run(["graph", "g", dataset] + data.endpointOptions)
            #expect(result.status != 0)
            #expect(result.stderr.contains("data_source.EDGES: s3://\(data.bucket)-gone/edges cannot be listed"), "\(result.stderr)")
            #expect(result.stderr.contains("\(data.bucket)-gone"), "\(result.stderr)")
            #expect(try await data.world.broker().job(named: "g") == nil)
        }

        @Test func aMissingInfoObjectIsRefusedAtSubmissionAndNothingIsQueued() async throws {
            let data = try await BucketDataset(chunks: "2,2,1")
            defer { Task { await data.close() } }
            try await data.upload("edges")
            let dataset = try data.dataset(
                "noinfo.yml", inputs: ["EDGES": "s3://\(data.bucket)/fly/edges", "WATERSHED": "s3://\(data.bucket)/fly/watershed"])
            let result = try await data.world.ingest.run(["graph", "g", dataset] + data.endpointOptions)
            #expect(result.status != 0)
            #expect(
                result.stderr.contains(
                    "data_source.WATERSHED: s3://\(data.bucket)/fly/watershed/info does not exist; WATERSHED names a directory (or s3://BUCKET/PREFIX) holding a CloudVolume info file"),
                "\(result.stderr)")
            #expect(try await data.world.broker().job(named: "g") == nil)
        }

        @Test func aWorkerWithoutCredentialsFailsItsChunksNamingTheSettingItNeeds() async throws {
            let data = try await BucketDataset(chunks: "2,1,1")
            defer { Task { await data.close() } }
            try await data.upload("edges")
            let dataset = try data.dataset("bucket.yml", inputs: ["EDGES": "s3://\(data.bucket)/fly/edges"])
            let queued = try await data.world.ingest.run(["graph", "g", dataset] + data.endpointOptions)
            #expect(queued.status == 0, "\(queued.stderr)")

            data.world.ingest.extraEnvironment["AWS_ACCESS_KEY_ID"] = ""
            data.world.ingest.extraEnvironment["AWS_SECRET_ACCESS_KEY"] = ""
            let worker = try data.world.ingest.launch(["worker", "-c", "2"])
            defer { worker.stop(with: SIGTERM) }
            let status = try await data.world.waitForJob("g") { $0.state.isTerminal }
            #expect(status.state == .failed)
            let failed = try await data.world.broker().failedTasks(job: "g", queue: "l2", limit: 10)
            #expect(failed.count == 2, "\(failed)")
            for task in failed {
                #expect(task.error.contains("data_source.EDGES is s3://\(data.bucket)/fly/edges, which this process cannot read"), "\(task.error)")
                #expect(task.error.contains("AWS_ACCESS_KEY_ID"), "\(task.error)")
            }
        }

        @Test func s3OptionsForADatasetWithoutBucketsAreRefused() async throws {
            let data = try await BucketDataset(chunks: "1,1,1")
            defer { Task { await data.close() } }
            let result = try await data.world.ingest.run(["graph", "g", data.localDataset, "--s3_region_name", "eu-west-1"])
            #expect(result.status == 64)
            #expect(result.stderr.contains("--s3_region_name applies to inputs in buckets"), "\(result.stderr)")
            #expect(try await data.world.broker().job(named: "g") == nil)
        }
    }
}
