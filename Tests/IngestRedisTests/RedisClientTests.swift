import IngestRedis
import IngestTesting
import Logging
import Testing

@Suite("RedisClient reconnection and scripts")
struct RedisClientTests {
    private func makeClient() throws -> RedisClient {
        RedisClient(
            url: try RedisTestServer.url(),
            reconnectPolicy: .init(
                initialDelay: .milliseconds(10), maxDelay: .milliseconds(200), giveUpAfter: .seconds(5)))
    }

    /// Kills the client's current connection from another connection, by ID rather than
    /// `CLIENT KILL TYPE normal` so tests running in parallel keep their connections.
    private func kill(_ client: RedisClient) async throws {
        let victim = try await client.connection()
        let id = try await victim.send(["CLIENT", "ID"])
        let admin = try await RedisTestServer.connect()
        #expect(try await admin.send(["CLIENT", "KILL", "ID", id.int ?? -1]) == .integer(1))
        await admin.close()
        for _ in 0..<100 where !victim.isClosed {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(victim.isClosed)
    }

    @Test func reconnectsAfterTheServerClosesTheConnection() async throws {
        let client = try makeClient()
        let key = RedisTestServer.key("survivor")
        try await client.send(["SET", key, "kept"])
        let first = try await client.connection()
        try await kill(client)
        #expect(try await client.send(["GET", key]).string == "kept")
        #expect(try await client.connection() !== first)
        try await client.send(["DEL", key])
        await client.close()
    }

    @Test func concurrentCommandsAfterAKillShareOneNewConnection() async throws {
        let client = try makeClient()
        _ = try await client.send(["PING"])
        try await kill(client)
        let ids = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 {
                group.addTask { try await client.send(["CLIENT", "ID"]).int ?? -1 }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
        await client.close()
    }

    @Test func firstConnectFailsAtOnceWithoutBackoff() async throws {
        // With backoff the client would log a retry and keep trying for the policy's minute; the
        // log shows whether it tried once (no wall-clock bound: a loaded machine starves tests).
        let messages = CapturedLog()
        var logger = Logger(label: "test", factory: { _ in messages })
        logger.logLevel = .trace
        let client = RedisClient(url: try RedisURL(parsing: "redis://127.0.0.1:1/0"), logger: logger)
        await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        #expect(!messages.lines.contains { $0.contains("retrying") }, "\(messages.lines)")
    }

    @Test func closedClientFailsCommands() async throws {
        let client = try makeClient()
        _ = try await client.send(["PING"])
        await client.close()
        await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
    }

    @Test func scriptDigestMatchesTheServers() async throws {
        let client = try makeClient()
        let script = RedisScript("return 'digest check ' .. ARGV[1]")
        #expect(try await client.send(["SCRIPT", "LOAD", script.source]).string == script.sha1)
        await client.close()
    }

    @Test func evalScriptRunsAndCachesTheScriptAgainAfterScriptFlush() async throws {
        let client = try makeClient()
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        let key = RedisTestServer.key("scripted")
        #expect(try await client.evalScript(script, keys: [key], arguments: [2]) == .integer(2))
        try await client.send(["SCRIPT", "FLUSH"])
        #expect(try await client.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(0)]))
        #expect(try await client.evalScript(script, keys: [key], arguments: [3]) == .integer(5))
        #expect(try await client.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(1)]))
        try await client.send(["DEL", key])
        await client.close()
    }

    @Test func scriptErrorsAreThrown() async throws {
        let client = try makeClient()
        let script = RedisScript("return redis.error_reply('MYERR broken on purpose')")
        await #expect {
            try await client.evalScript(script)
        } throws: { error in
            (error as? RedisError)?.serverErrorCode == "MYERR"
        }
        await client.close()
    }
}
