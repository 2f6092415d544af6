import IngestRedis
import NIOCore
import Testing

@Suite("Commands against a real server")
struct RedisConnectionCommandTests {
    @Test func setThenGetRoundTripsBinaryValues() async throws {
        let connection = try await RedisTestServer.connect()
        defer { Task { await connection.close() } }
        let key = RedisTestServer.key("binary")
        let payload: [UInt8] = [0, 0xFF, 13, 10, 0x80]
        #expect(try await connection.send(["SET", key, payload]) == .simpleString("OK"))
        #expect(try await connection.send(["GET", key]) == .bulkString(ByteBuffer(bytes: payload)))
        try await connection.send(["DEL", key])
    }

    @Test func errorReplyThrowsAndKeepsTheConnectionUsable() async throws {
        let connection = try await RedisTestServer.connect()
        defer { Task { await connection.close() } }
        let key = RedisTestServer.key("list")
        try await connection.send(["RPUSH", key, "a"])
        await #expect {
            try await connection.send(["INCR", key])
        } throws: { error in
            (error as? RedisError)?.serverErrorCode == "WRONGTYPE"
        }
        #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
        #expect(!connection.isClosed)
        try await connection.send(["DEL", key])
    }

    @Test func pipelineOfAThousandIncrsRepliesInOrder() async throws {
        let connection = try await RedisTestServer.connect()
        defer { Task { await connection.close() } }
        let key = RedisTestServer.key("counter")
        let replies = try await connection.pipeline(Array(repeating: ["INCR", key], count: 1000))
        #expect(replies == (1...1000).map { .integer(Int64($0)) })
        #expect(try await connection.send(["GET", key]).int == 1000)
        try await connection.send(["DEL", key])
    }

    @Test func pipelineReturnsErrorRepliesInPlace() async throws {
        let connection = try await RedisTestServer.connect()
        defer { Task { await connection.close() } }
        let key = RedisTestServer.key("mixed")
        let replies = try await connection.pipeline([["SET", key, "x"], ["INCR", key], ["GET", key]])
        #expect(replies[0] == .simpleString("OK"))
        #expect(replies[1].errorMessage?.hasPrefix("ERR") == true)
        #expect(replies[2] == .bulkString(ByteBuffer(string: "x")))
        try await connection.send(["DEL", key])
    }

    @Test func concurrentSendsOnOneConnectionEachGetTheirOwnReply() async throws {
        let connection = try await RedisTestServer.connect()
        defer { Task { await connection.close() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let reply = try await connection.send(["ECHO", "message \(index)"])
                    #expect(reply.string == "message \(index)")
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func resp3IsNegotiatedAndHashesComeBackAsMaps() async throws {
        let connection = try await RedisTestServer.connect()
        defer { Task { await connection.close() } }
        #expect(connection.protocolVersion == .resp3)
        let key = RedisTestServer.key("hash")
        try await connection.send(["HSET", key, "field", "value"])
        let reply = try await connection.send(["HGETALL", key])
        let field = RESPValue.bulkString(ByteBuffer(string: "field"))
        #expect(reply == .map([(key: field, value: .bulkString(ByteBuffer(string: "value")))]))
        try await connection.send(["DEL", key])
    }

    /// The RESP2 path is the one taken when a server answers `HELLO` with an error; forcing
    /// it is how it is exercised against a server that supports RESP3.
    @Test func resp2ConnectionGetsFlatArraysForHashes() async throws {
        let connection = try await RedisTestServer.connect(configuration: .init(protocolVersion: .resp2))
        defer { Task { await connection.close() } }
        #expect(connection.protocolVersion == .resp2)
        let key = RedisTestServer.key("hash")
        try await connection.send(["HSET", key, "field", "value"])
        let reply = try await connection.send(["HGETALL", key])
        #expect(reply == .array([.bulkString(ByteBuffer(string: "field")), .bulkString(ByteBuffer(string: "value"))]))
        #expect(reply.map?.first?.value.string == "value")
        let hello = try await connection.send(["CLIENT", "INFO"]).string ?? ""
        #expect(hello.contains("resp=2"))
        try await connection.send(["DEL", key])
    }

    @Test func databaseFromTheURLIsSelected() async throws {
        let connection = try await RedisTestServer.connect(database: 5)
        defer { Task { await connection.close() } }
        let info = try await connection.send(["CLIENT", "INFO"]).string ?? ""
        #expect(info.contains(" db=5 "), "\(info)")
    }

    @Test func databaseOutOfRangeFailsTheConnect() async throws {
        await #expect {
            _ = try await RedisTestServer.connect(database: 100_000)
        } throws: { error in
            "\(error)".contains("selecting database 100000")
        }
    }

    @Test func closedConnectionFailsNewCommandsAtOnce() async throws {
        let connection = try await RedisTestServer.connect()
        await connection.close()
        #expect(connection.isClosed)
        await #expect {
            try await connection.send(["PING"])
        } throws: { error in
            guard case .notConnected(let reason) = error as? RedisError else { return false }
            return reason.contains("closed by the client")
        }
    }

    @Test func unreachableServerNamesTheURL() async throws {
        let url = try RedisURL(parsing: "redis://:s3cret@127.0.0.1:1/0")
        await #expect {
            _ = try await RedisConnection.connect(to: url)
        } throws: { error in
            let text = "\(error)"
            return text.contains("127.0.0.1:1/0") && text.contains("redis-server is running")
                && !text.contains("s3cret")
        }
    }
}
