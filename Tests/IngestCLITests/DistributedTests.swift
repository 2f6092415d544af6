import Foundation
import IngestCore
import IngestPostgres
import IngestRedis
import IngestTesting
import Testing

extension CommandLineTests {
    /// Worker processes sharing a Redis broker: restarts, split queues, iRODS automated ingest's settings.
    @Suite struct DistributedTests {
        private func expectEveryFileRegisteredOnce(_ world: CLIWorld, files: [String], job: String) async throws {
            let objects = try await world.objects(under: world.target)
            #expect(objects.count == files.count)
            #expect(Set(objects.map(\.path)) == Set(files.map { "\(world.target)/\($0)" }))
            let status = try #require(try await world.broker().job(named: job))
            #expect(status.state == .completed)
            #expect(status.entriesDone == status.counter(Counter.entriesSeen), "every listed entry was counted once")
            #expect(status.counter(Counter.entriesFailed) == 0)
        }

        @Test func threeWorkersWithDifferentQueuesShareOneJob() async throws {
            let world = try CLIWorld(backend: .redis)
            let files = try TreeBuilder.grid(world.source.path, directories: 20, filesPerDirectory: 30)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "split", "--files_per_task", "10"])
            let workers = try ["restart", "path", "file"].map { try world.ingest.launch(["worker", "-Q", $0, "-c", "2"]) }
            defer { for worker in workers { worker.stopWorker() } }
            try await world.waitForJob("split") { $0.state.isTerminal }
            try await expectEveryFileRegisteredOnce(world, files: files, job: "split")
        }

        @Test func redisRestartedMidSyncLosesNothing() async throws {
            let server = try PrivateRedisServer()
            let world = try CLIWorld()
            world.useRedis(try server.url)
            let files = try TreeBuilder.grid(world.source.path, directories: 60, filesPerDirectory: 50)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "bounce", "--files_per_task", "10"])
            let workers = try (0..<2).map { _ in try world.ingest.launch(["worker", "-c", "2", "--lease_seconds", "3"]) }
            defer { for worker in workers { worker.stopWorker() } }
            let midway = try await world.waitForJob("bounce") { $0.counter(Counter.entriesCreated) >= 300 || $0.state.isTerminal }
            #expect(!midway.state.isTerminal, "the server must go down in the middle of the sync")

            server.stop()
            try await Task.sleep(for: .seconds(1))
            try server.start()

            let status = try await world.waitForJob("bounce", timeout: 180) { $0.state.isTerminal }
            let allAlive = workers.allSatisfy { $0.isRunning }
            #expect(allAlive, "workers ride out the outage and reconnect")
            #expect(status.tasksFailed == 0)
            try await expectEveryFileRegisteredOnce(world, files: files, job: "bounce")
        }

        @Test func redisAndPostgreSQLTogetherGiveTheEmbeddedResult() async throws {
            try await PostgresTestDatabase.withFreshDatabase { catalogURL in
                let world = try CLIWorld(backend: .redis)
                world.usePostgres(catalogURL)
                let files = try TreeBuilder.grid(world.source.path, directories: 15, filesPerDirectory: 20)
                try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "pg", "--files_per_task", "10"])
                let workers = try (0..<2).map { _ in try world.ingest.launch(["worker", "-c", "4"]) }
                defer { for worker in workers { worker.stopWorker() } }
                try await world.waitForJob("pg") { $0.state.isTerminal }
                try await expectEveryFileRegisteredOnce(world, files: files, job: "pg")
                let listing = try await world.ingest.run(["ls", world.target + "/group0/dir0"])
                #expect(listing.status == 0, "\(listing.stderr)")
                #expect(listing.stdout.contains("file0.txt"))
                await world.closeCatalog()
            }
        }

        /// Statements cut off by the restart run again on new connections (postgres-nio can leave a
        /// statement on a closed connection waiting forever; `PostgresPool.Connection` gives up on it), so
        /// no task stays held and every file is registered once.
        @Test func postgresRestartedMidSyncTasksRetryAndTheJobCompletes() async throws {
            try await PostgresTestServer.withPrivate { server in
                let world = try CLIWorld(backend: .redis)
                world.usePostgres(server.url())
                let files = try TreeBuilder.grid(world.source.path, directories: 60, filesPerDirectory: 50)
                try await world.ingest.run([
                    "start", world.source.path, world.target, "--job_name", "pgbounce", "--files_per_task", "10",
                    "--max_retries", "5", "--delay", "1",
                ])
                let workers = try (0..<2).map { _ in try world.ingest.launch(["worker", "-c", "2"]) }
                defer { for worker in workers { worker.stopWorker() } }
                let midway = try await world.waitForJob("pgbounce") { $0.counter(Counter.entriesCreated) >= 300 || $0.state.isTerminal }
                #expect(!midway.state.isTerminal, "the server must go down in the middle of the sync")

                try await server.restart()

                let status = try await world.waitForJob("pgbounce", timeout: 90) { $0.state.isTerminal }
                let failures = try await world.broker().failedTasks(job: "pgbounce", queue: nil, limit: 5)
                #expect(status.tasksFailed == 0, "\(failures)")
                try await expectEveryFileRegisteredOnce(world, files: files, job: "pgbounce")
                await world.closeCatalog()
            }
        }

        @Test func theSeedsRedisSettingsReachTheSameBroker() async throws {
            let world = try CLIWorld(backend: .redis)
            let url = try TestServers.redisURL()
            try TreeBuilder.grid(world.source.path, directories: 2, filesPerDirectory: 3)
            let start = try await world.ingest.run([
                "start", world.source.path, world.target, "--job_name", "seed", "--synchronous",
                "--redis_host", url.host, "--redis_port", "\(url.port)", "--redis_db", "\(url.database)",
            ])
            #expect(start.status == 0, "\(start.stderr)")
            #expect(try await world.broker().job(named: "seed")?.state == .completed)

            var viaEnvironment = world.ingest
            viaEnvironment.extraEnvironment["INGEST_BROKER_URL"] = nil
            viaEnvironment.extraEnvironment["REDIS_HOST"] = url.host
            viaEnvironment.extraEnvironment["REDIS_PORT"] = "\(url.port)"
            viaEnvironment.extraEnvironment["REDIS_DB"] = "\(url.database)"
            let jobs = try await #require(try viaEnvironment.json(["list"]) as? [[String: Any]])
            #expect(jobs.map { $0["name"] as? String } == ["seed"])
        }

        @Test func flushRemovesOnlyIngestsKeys() async throws {
            let world = try CLIWorld(backend: .redis)
            let client = RedisClient(url: try TestServers.redisURL())
            let foreignKey = "not-ingest:\(UUID().uuidString)"
            try await client.send(["SET", foreignKey, "keep"])
            try TreeBuilder.grid(world.source.path, directories: 1, filesPerDirectory: 2)
            try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "f"])
            let flush = try await world.ingest.run(["flush", "--yes"])
            #expect(flush.status == 0, "\(flush.stderr)")
            #expect(flush.stdout.contains(world.keyPrefix))
            #expect(try await world.broker().jobs().isEmpty)
            #expect(try await client.send(["GET", foreignKey]).string == "keep")
            try await client.send(["DEL", foreignKey])
            await client.close()
        }

        @Test func aWorkerRefusesARedisThatEvictsKeys() async throws {
            let server = try PrivateRedisServer(extraArguments: ["--maxmemory-policy", "allkeys-lru"])
            let world = try CLIWorld()
            world.useRedis(try server.url)
            let result = try await world.ingest.run(["worker", "-c", "1"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("allkeys-lru"))
            #expect(result.stderr.contains("maxmemory-policy noeviction"))
        }

        @Test func badBrokerURLsAreRefusedWithTheFormAndNoSecret() async throws {
            let world = try CLIWorld()
            let tls = try await world.ingest.run(["list", "--broker", "rediss://:hunter2@cache.example:6380/0?ssl_cert_reqs=maybe"])
            #expect(tls.status != 0)
            #expect(tls.stderr.contains("required or none"), "\(tls.stderr)")
            #expect(!tls.stderr.contains("hunter2"))
            let garbled = try await world.ingest.run(["list", "--broker", "redis://:hunter2@cache.example:notaport/0"])
            #expect(garbled.status != 0)
            #expect(garbled.stderr.contains("port"))
            #expect(!garbled.stderr.contains("hunter2"))
        }
    }
}
