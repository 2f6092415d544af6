import Foundation
import IngestCore
import IngestRedis
import IngestTesting
import Testing

extension CommandLineTests {
    /// Reaching Redis through the config file and with a password, as users configure it.
    @Suite struct RedisSettingsCLITests {
        /// The keys of the shared test server under `prefix`.
        private func keys(under prefix: String, client: RedisClient) async throws -> [String] {
            var found: [String] = []
            var cursor = "0"
            repeat {
                let reply = try await client.send(["SCAN", cursor, "MATCH", prefix + "*", "COUNT", 1000])
                let parts = reply.array ?? []
                cursor = parts.first?.string ?? "0"
                found += (parts.last?.array ?? []).compactMap(\.string)
            } while cursor != "0"
            return found
        }

        @Test func theConfigFileNamesTheBrokerAndTheKeyPrefix() async throws {
            let url = try TestServers.redisURL()
            let world = try CLIWorld()
            world.followRedis(url)
            try TreeBuilder.grid(world.source.path, directories: 2, filesPerDirectory: 3)
            try Data("broker: \(url.unredacted)\nkey_prefix: \"\(world.keyPrefix)\"\n".utf8)
                .write(to: URL(fileURLWithPath: world.home.subpath("config.yaml")))
            let client = RedisClient(url: url)
            let neighbour = "ingest-cli-neighbour-\(UUID().uuidString):"
            try await client.send(["SET", neighbour + "{ingest}:job:other", "keep"])

            let start = try await world.ingest.run(["start", world.source.path, world.target, "--job_name", "configured", "--synchronous"])
            #expect(start.status == 0, "\(start.stderr)")
            #expect(try await world.broker().job(named: "configured")?.state == .completed)
            #expect(try await !keys(under: world.keyPrefix, client: client).isEmpty, "the job's keys are under the configured prefix")

            // The same file named with --config from a home without one.
            let elsewhere = try TemporaryDirectory(prefix: "ingest-config")
            let configFile = elsewhere.subpath("ingest.yaml")
            try FileManager.default.copyItem(atPath: world.home.subpath("config.yaml"), toPath: configFile)
            let bareHome = IngestProcess(home: elsewhere.subpath("home"))
            let jobs = try await #require(try bareHome.json(["list", "--config", configFile]) as? [[String: Any]])
            #expect(jobs.map { $0["name"] as? String } == ["configured"])

            let flush = try await world.ingest.run(["flush", "--yes"])
            #expect(flush.status == 0, "\(flush.stderr)")
            #expect(flush.stdout.contains(world.keyPrefix), "\(flush.stdout)")
            #expect(try await keys(under: world.keyPrefix, client: client).isEmpty)
            #expect(try await client.send(["GET", neighbour + "{ingest}:job:other"]).string == "keep")
            try await client.send(["DEL", neighbour + "{ingest}:job:other"])
            await client.close()
        }

        @Test func aPasswordServerIsReachedWithTheSeedsVariablesAndWithAURL() async throws {
            let password = "pw-\(UUID().uuidString.prefix(8))"
            let server = try PrivateRedisServer(extraArguments: ["--requirepass", password])
            let world = try CLIWorld()
            var url = try server.url
            url.password = password
            world.followRedis(url)
            try TreeBuilder.grid(world.source.path, directories: 1, filesPerDirectory: 3)

            var seed = world.ingest
            seed.extraEnvironment["REDIS_HOST"] = "127.0.0.1"
            seed.extraEnvironment["REDIS_PORT"] = "\(server.port)"
            seed.extraEnvironment["REDIS_PASSWORD"] = password
            seed.extraEnvironment["INGEST_KEY_PREFIX"] = world.keyPrefix
            let start = try await seed.run(["start", world.source.path, world.target, "--job_name", "guarded", "--synchronous"])
            #expect(start.status == 0, "\(start.stderr)")
            #expect(try await world.broker().job(named: "guarded")?.state == .completed)

            let viaURL = try await world.ingest.run([
                "list", "--json", "--broker", "redis://:\(password)@127.0.0.1:\(server.port)/0", "--key_prefix", world.keyPrefix,
            ])
            #expect(viaURL.status == 0, "\(viaURL.stderr)")
            #expect(viaURL.stdout.contains("guarded"))
        }

        @Test func aWrongPasswordIsRefusedWithoutPrintingIt() async throws {
            let server = try PrivateRedisServer(extraArguments: ["--requirepass", "the-right-one"])
            let world = try CLIWorld()
            let wrong = "not-the-password-\(UUID().uuidString.prefix(8))"

            let viaURL = try await world.ingest.run(["list", "--broker", "redis://:\(wrong)@127.0.0.1:\(server.port)/0"])
            #expect(viaURL.status != 0)
            #expect(viaURL.stderr.contains("refused authentication"), "\(viaURL.stderr)")
            #expect(viaURL.stderr.contains("127.0.0.1:\(server.port)"), "\(viaURL.stderr)")
            #expect(!viaURL.stderr.contains(wrong), "\(viaURL.stderr)")
            #expect(!viaURL.stdout.contains(wrong))

            var seed = world.ingest
            seed.extraEnvironment["REDIS_HOST"] = "127.0.0.1"
            seed.extraEnvironment["REDIS_PORT"] = "\(server.port)"
            seed.extraEnvironment["REDIS_PASSWORD"] = wrong
            let viaVariables = try await seed.run(["worker", "-c", "1"])
            #expect(viaVariables.status != 0)
            #expect(viaVariables.stderr.contains("refused authentication"), "\(viaVariables.stderr)")
            #expect(!viaVariables.stderr.contains(wrong), "\(viaVariables.stderr)")
            #expect(!viaVariables.stdout.contains(wrong))

            let none = try await world.ingest.run(["list", "--broker", "redis://127.0.0.1:\(server.port)/0"])
            #expect(none.status != 0)
            #expect(none.stderr.contains("refused authentication"), "\(none.stderr)")
        }
    }
}
