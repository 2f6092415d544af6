import Foundation
import IngestCore
import IngestGraph
import IngestGraphPostgres
import IngestPostgres
import IngestTesting
import Testing

extension CommandLineTests {
    /// The graph job as a user drives it: `ingest graph`, `ingest worker`, `ingest status`, queries.
    @Suite struct GraphCommandTests {
        /// Generates a dataset in the world's source directory and returns its dataset.yml.
        private func generate(_ world: CLIWorld, chunks: String, side: Int = 4) async throws -> String {
            let result = try await world.ingest.run(["graph", "generate", world.source.path, "--chunks", chunks, "--side", String(side), "--object-size", "20"])
            #expect(result.status == 0, "\(result.stderr)")
            return world.source.subpath("dataset.yml")
        }

        private func store(_ world: CLIWorld, _ graph: String) throws -> SQLiteGraphStore {
            try SQLiteGraphStore(path: world.home.subpath("graphs/\(graph).sqlite"), create: false)
        }

        @Test func testRunStatusReadsLikePyChunkedGraphs() async throws {
            let world = try CLIWorld()
            let dataset = try await generate(world, chunks: "4,4,4")
            let queued = try await world.ingest.run(["graph", "trial", dataset, "--test"])
            #expect(queued.status == 0, "\(queued.stderr)")
            let worker = try world.ingest.launch(["worker", "-c", "2"])
            defer { worker.stop(with: SIGTERM) }
            try await world.waitForJob("trial") { $0.state.isTerminal }
            let status = try await world.ingest.run(["status"])
            #expect(status.status == 0, "\(status.stderr)")
            let lines = status.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("2: 8 / 64 ") })
            #expect(lines.contains { $0.hasPrefix("3: 1 / 8 ") })
            #expect(lines.contains { $0.hasPrefix("4: 0 / 1 ") })
            let json = try await #require(try world.ingest.json(["status", "trial"]) as? [String: Any])
            let layers = try #require(json["layers"] as? [[String: Any]])
            #expect(layers.map { $0["completed"] as? Int } == [8, 1, 0])
            #expect(layers.map { $0["failed"] as? Int } == [0, 0, 0])
            // `watch` on a graph job tells its layers, not a file summary (issue 12, B10).
            let watched = try await world.ingest.run(["watch", "trial"])
            #expect(watched.stdout.contains("chunks per layer 2: 8 / 64, 3: 1 / 8, 4: 0 / 1"), "\(watched.stdout)")
            #expect(!watched.stdout.contains("entries"), "\(watched.stdout)")
        }

        @Test func killedWorkerLeavesTheSameGraphAsOneCleanWorker() async throws {
            let clean = try CLIWorld()
            let dataset = try await generate(clean, chunks: "4,4,3", side: 8)
            #expect(try await clean.ingest.run(["graph", "g", dataset, "--synchronous"]).status == 0)

            let world = try CLIWorld()
            #expect(try await world.ingest.run(["graph", "g", dataset]).status == 0)
            let doomed = try world.ingest.launch(["worker", "-c", "2", "--lease_seconds", "1"])
            let midway = try await world.waitForJob("g") {
                ($0.counter(GraphCounter.chunksDone(layer: 2)) >= 10 && $0.runningTasks > 0) || $0.state.isTerminal
            }
            doomed.stop(with: SIGKILL)
            #expect(!midway.state.isTerminal, "the worker must be killed in the middle of the build")
            let survivor = try world.ingest.launch(["worker", "-c", "2", "--lease_seconds", "1"])
            let status = try await world.waitForJob("g") { $0.state.isTerminal }
            survivor.stop(with: SIGTERM)
            #expect(status.state == .completed)
            #expect(status.counter(GraphCounter.chunksDone(layer: 2)) == 48, "every chunk counted once")
            #expect(try store(world, "g").allNodes() == store(clean, "g").allNodes())
        }

        @Test func badChunkFilesFailTheirChunksAndAreListedByQueue() async throws {
            let world = try CLIWorld()
            let dataset = try await generate(world, chunks: "2,2,2")
            let truncated = world.source.subpath("edges/1_1_0.edges")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: truncated))
            try bytes.prefix(bytes.count - 5).write(to: URL(fileURLWithPath: truncated))
            #expect(try await world.ingest.run(["graph", "g", dataset]).status == 0)
            let worker = try world.ingest.launch(["worker", "-c", "2"])
            defer { worker.stop(with: SIGTERM) }
            let status = try await world.waitForJob("g") { $0.state.isTerminal }
            #expect(status.state == .failed)
            let failed = try await world.ingest.run(["failed", "l2"])
            #expect(failed.status == 0, "\(failed.stderr)")
            #expect(failed.stdout.contains("2_1_1_0"))
            #expect(failed.stdout.contains("1_1_0.edges: is truncated"))
            let report = try await world.ingest.run(["status", "g"])
            #expect(report.stdout.contains("2: 7 / 8 "))
            #expect(report.stdout.contains("failed 1"))
        }

        @Test func datasetFileMistakesNameTheKey() async throws {
            let world = try CLIWorld()
            let dataset = try await generate(world, chunks: "1,1,1")
            let text = try String(contentsOfFile: dataset, encoding: .utf8)
            try text.replacingOccurrences(of: "FANOUT: 2", with: "FANOUT: 2\n  FANNOUT: 3").write(toFile: dataset, atomically: true, encoding: .utf8)
            let unknown = try await world.ingest.run(["graph", "g", dataset])
            #expect(unknown.status != 0)
            #expect(unknown.stderr.contains("graph_config.FANNOUT"))
            #expect(unknown.stderr.contains("unknown key"))

            // A graph kept in the catalog database needs a PostgreSQL catalog; this world's is SQLite.
            try text.replacingOccurrences(of: "TYPE: sqlite", with: "TYPE: postgres").write(toFile: dataset, atomically: true, encoding: .utf8)
            let inCatalog = try await world.ingest.run(["graph", "g", dataset])
            #expect(inCatalog.status != 0)
            #expect(inCatalog.stderr.contains("this process's catalog is sqlite:"), "\(inCatalog.stderr)")
            #expect(inCatalog.stderr.contains("pass --catalog postgres://"))

            let badURL = "TYPE: postgres\n  CONFIG:\n    URL: postgres://ingest:secret@db.invalid:54x2/graphs"
            try text.replacingOccurrences(of: "TYPE: sqlite", with: badURL).write(toFile: dataset, atomically: true, encoding: .utf8)
            let malformed = try await world.ingest.run(["graph", "g", dataset])
            #expect(malformed.status != 0)
            #expect(malformed.stderr.contains("backend_client.CONFIG.URL: 'postgres://ingest:***@db.invalid:54x2/graphs' is not a usable URL: port '54x2' is not a number"), "\(malformed.stderr)")
            #expect(!malformed.stderr.contains("secret"))

            try text.replacingOccurrences(of: "  EDGES: edges\n", with: "").write(toFile: dataset, atomically: true, encoding: .utf8)
            let missing = try await world.ingest.run(["graph", "g", dataset])
            #expect(missing.stderr.contains("data_source.EDGES: is missing"))
            #expect(try await world.broker().jobs().isEmpty, "refused input queues nothing")
        }

        @Test func aGridTooLargeIsRefusedNamingChunkSizeAndNothingIsMade() async throws {
            let world = try CLIWorld()
            let dataset = try await generate(world, chunks: "1,1,1")
            let text = try String(contentsOfFile: dataset, encoding: .utf8)
            try text.replacingOccurrences(of: "CHUNK_SIZE: [256, 256, 64]", with: "CHUNK_SIZE: [1, 1, 1]").write(toFile: dataset, atomically: true, encoding: .utf8)
            try WatershedInfo.write(directory: world.source.subpath("watershed"), size: [1024, 1024, 256], chunkSize: [1, 1, 1])
            let refused = try await world.ingest.run(["graph", "g", dataset])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("graph_config.CHUNK_SIZE: [1, 1, 1] over the watershed's [1024, 1024, 256] voxels"), "\(refused.stderr)")
            #expect(refused.stderr.contains("306,783,381 chunk tasks, more than the 33,554,432 one graph may have; use a larger CHUNK_SIZE, such as [4, 4, 4]"))
            #expect(try await world.broker().jobs().isEmpty, "a refused grid queues nothing")
            #expect(!FileManager.default.fileExists(atPath: world.home.subpath("graphs/g.sqlite")), "and creates no store")
        }

        /// The distributed deployment: a Redis broker, two worker processes, the graph in PostgreSQL.
        /// The dataset's URL carries the password; the job does not record it, and the workers and
        /// queries take it from their catalog URL (the same user on the same server).
        @Test func twoWorkersBuildAPostgresGraphThatQueriesAnswerFrom() async throws {
            try await PostgresTestDatabase.withFreshDatabase { url in
                let world = try CLIWorld(backend: .redis)
                world.usePostgres(url)
                let dataset = try await generate(world, chunks: "3,3,2")
                let text = try String(contentsOfFile: dataset, encoding: .utf8)
                try text.replacingOccurrences(of: "TYPE: sqlite", with: "TYPE: postgres\n  CONFIG:\n    URL: \(url)")
                    .write(toFile: dataset, atomically: true, encoding: .utf8)
                let queued = try await world.ingest.run(["graph", "pg", dataset])
                #expect(queued.status == 0, "\(queued.stderr)")
                let workers = try (0..<2).map { _ in try world.ingest.launch(["worker", "-c", "2"]) }
                defer { for worker in workers { worker.stopWorker() } }
                let status = try await world.waitForJob("pg") { $0.state.isTerminal }
                #expect(status.state == .completed)
                #expect(status.counter(GraphCounter.chunksDone(layer: 2)) == 18)
                let password = try #require(try PostgresURL(parsing: url).password)
                let recorded = try #require(GraphSpec.decode(from: status)).store.recorded
                #expect(recorded.hasPrefix("postgres://postgres@127.0.0.1:"), "the job records the URL without its password: \(recorded)")
                #expect(!String(decoding: status.spec, as: UTF8.self).contains(password))
                #expect(!FileManager.default.fileExists(atPath: world.home.subpath("graphs/pg.sqlite")))

                let database = try await PostgresGraphDatabase.connect(url: url, logger: .quiet)
                let store = try await PostgresGraphStore.open(graph: "pg", in: database, create: false)
                let built = try await roots(in: store)
                await database.close()
                #expect(built.count == 18 * 64)
                #expect(samePartition(built, try groundTruth(dataset: dataset)))

                let report = try await world.ingest.run(["status", "pg"])
                #expect(report.stdout.contains("store postgres://postgres@"), "\(report.stdout)")
                let supervoxel = built.keys.sorted()[built.count / 2]
                let root = try await #require(try world.ingest.json(["graph", "root", "pg", String(supervoxel)]) as? [String: Any])
                let rootID = try #require(root["root"] as? UInt64)
                #expect(rootID == built[supervoxel])
                let leaves = try await #require(try world.ingest.json(["graph", "leaves", "pg", String(rootID)]) as? [String: Any])
                #expect(Set(try #require(leaves["leaves"] as? [UInt64])) == Set(built.filter { $0.value == rootID }.keys))
                let parent = try await world.ingest.run(["graph", "parent", "pg", String(supervoxel)])
                let layer2 = try #require(UInt64(parent.stdout.trimmingCharacters(in: .newlines)), "\(parent.stderr)")
                #expect(try await world.ingest.run(["graph", "children", "pg", String(layer2)]).stdout.split(separator: "\n").contains(Substring(String(supervoxel))))
                await world.closeCatalog()
            }
        }

        /// `TYPE: postgres` without CONFIG: the graph goes into the catalog database the process is
        /// pointed at, and the job records only that it is there.
        @Test func aPostgresGraphWithoutConfigLivesInTheCatalogDatabase() async throws {
            try await PostgresTestDatabase.withFreshDatabase { url in
                let world = try CLIWorld()
                world.usePostgres(url)
                let dataset = try await generate(world, chunks: "2,2,2")
                let text = try String(contentsOfFile: dataset, encoding: .utf8)
                try text.replacingOccurrences(of: "TYPE: sqlite", with: "TYPE: postgres").write(toFile: dataset, atomically: true, encoding: .utf8)
                let built = try await world.ingest.run(["graph", "c", dataset, "--synchronous"])
                #expect(built.status == 0, "\(built.stderr)")
                #expect(built.stdout.contains("store the PostgreSQL catalog database"), "\(built.stdout)")
                let status = try #require(try await world.broker().job(named: "c"))
                #expect(try #require(GraphSpec.decode(from: status)).store == .postgres(url: nil))

                let database = try await PostgresGraphDatabase.connect(url: url, logger: .quiet)
                let store = try await PostgresGraphStore.open(graph: "c", in: database, create: false)
                let roots = try await roots(in: store)
                await database.close()
                #expect(samePartition(roots, try groundTruth(dataset: dataset)))
                let supervoxel = try #require(roots.keys.min())
                #expect(try await world.ingest.run(["graph", "root", "c", String(supervoxel)]).stdout == "\(roots[supervoxel]!)\n")
            }
        }

        @Test func queriesWalkTheBuiltGraph() async throws {
            let world = try CLIWorld()
            let dataset = try await generate(world, chunks: "2,3,2")
            #expect(try await world.ingest.run(["graph", "q", dataset, "--synchronous"]).status == 0)
            let meta = try #require(try store(world, "q").meta())
            let supervoxel = meta.layout.id(chunk: ChunkCoordinate(layer: 1, x: 1, y: 2, z: 1), segment: 5)
            let root = try await #require(try world.ingest.json(["graph", "root", "q", String(supervoxel)]) as? [String: Any])
            let rootID = try #require(root["root"] as? UInt64)
            #expect(root["root_layer"] as? Int == meta.geometry.rootLayer)
            let leaves = try await #require(try world.ingest.json(["graph", "leaves", "q", String(rootID)]) as? [String: Any])
            let leafIDs = try #require(leaves["leaves"] as? [UInt64])
            #expect(leafIDs.contains(supervoxel))
            // Every leaf of the root has that root; the parent chain climbs to it (skipping the layers
            // above the one where the object became whole).
            for leaf in leafIDs.prefix(5) {
                #expect(try await world.ingest.run(["graph", "root", "q", String(leaf)]).stdout == "\(rootID)\n")
            }
            var current = supervoxel
            while current != rootID {
                let parent = try await world.ingest.run(["graph", "parent", "q", String(current)]).stdout.trimmingCharacters(in: .newlines)
                let id = try #require(UInt64(parent))
                #expect(meta.layout.layer(of: id) > meta.layout.layer(of: current))
                let children = try await world.ingest.run(["graph", "children", "q", parent]).stdout.split(separator: "\n")
                #expect(children.contains(Substring(String(current))))
                current = id
            }
            #expect(try await world.ingest.run(["graph", "parent", "q", String(rootID)]).stdout == "none\n")
            let bad = try await world.ingest.run(["graph", "root", "q", "42"])
            #expect(bad.status != 0 && bad.stderr.contains("is not a node id of graph q"))
        }

        @Test func layersCanBeGatedByHandAndChunksQueuedOneByOne() async throws {
            let world = try CLIWorld()
            let dataset = try await generate(world, chunks: "4,4,4")
            #expect(try await world.ingest.run(["graph", "g", dataset, "--test"]).status == 0)
            let worker = try world.ingest.launch(["worker", "-c", "2"])
            defer { worker.stop(with: SIGTERM) }
            try await world.waitForJob("g") { $0.state.isTerminal }
            // Layer 3 before layer 2 is complete would build chunks from missing children: refused.
            let early = try await world.ingest.run(["layer", "3"])
            #expect(early.status != 0 && early.stderr.contains("layer 2 of graph g has 8 of 64 chunks built and none queued"), "\(early.stderr)")
            #expect(try await world.broker().failedTasks(job: "g", queue: nil, limit: 10).isEmpty)

            let layer2 = try await world.ingest.run(["layer", "2", "--no-autoqueue-parents"])
            #expect(layer2.stdout.contains("queued 64 chunks of graph g on l2"), "\(layer2.stderr)")
            try await world.waitForJob("g") { $0.state.isTerminal }
            var status = try await world.ingest.run(["status"]).stdout
            #expect(status.contains("2: 64 / 64 "), "\(status)")
            #expect(status.contains("3: 1 / 8 "), "layer 3 waits for `ingest layer 3`: \(status)")

            #expect(try await world.ingest.run(["layer", "3"]).status == 0)
            let done = try await world.waitForJob("g") { $0.state.isTerminal }
            #expect(done.state == .completed)
            status = try await world.ingest.run(["status", "g"]).stdout
            #expect(status.contains("3: 8 / 8 ") && status.contains("4: 1 / 1 "), "\(status)")

            let outside = try await world.ingest.run(["chunk", "l3", "3", "9", "0", "0"])
            #expect(outside.status != 0 && outside.stderr.contains("3_9_0_0 is not a chunk of graph g"))
            let again = try await world.ingest.run(["chunk", "l2", "2", "1", "2", "3"])
            #expect(again.stdout.contains("queued chunk 2_1_2_3 of graph g on l2"))
            let rebuilt = try await world.waitForJob("g") { $0.state.isTerminal }
            #expect(rebuilt.state == .completed)
            #expect(rebuilt.counter(GraphCounter.chunksDone(layer: 2)) == 64, "a chunk built again is not counted twice")
            let rate = try await world.ingest.run(["rate", "2", "--span", "0.2"])
            #expect(rate.stdout.contains("chunks per second (layer 2: 64 / 64)"), "\(rate.stderr)")
        }
    }
}
