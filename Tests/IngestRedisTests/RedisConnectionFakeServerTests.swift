import IngestRedis
import Testing

@Suite("Behaviours shown with a fake server")
struct RedisConnectionFakeServerTests {
    @Test func helloErrorFallsBackToRESP2WithAuth() async throws {
        let server = try FakeRedisServer(replies: ["-ERR unknown command 'HELLO'\r\n", "+OK\r\n", "+PONG\r\n"])
        let url = RedisURL(host: "127.0.0.1", port: server.port, password: "pw")
        let connection = try await RedisConnection.connect(to: url)
        #expect(connection.protocolVersion == .resp2)
        #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
        #expect(server.receivedText.contains("$4\r\nAUTH\r\n$2\r\npw\r\n"))
        await connection.close()
    }

    @Test func malformedReplyClosesTheConnectionAndFailsTheCommand() async throws {
        let server = try FakeRedisServer(replies: ["?not RESP\r\n"])
        let url = RedisURL(host: "127.0.0.1", port: server.port)
        let connection = try await RedisConnection.connect(to: url, configuration: .init(protocolVersion: .resp2))
        await #expect {
            try await connection.send(["PING"])
        } throws: { error in
            guard case .protocolViolation = error as? RedisError else { return false }
            return "\(error)".contains("malformed RESP")
        }
        #expect(connection.isClosed)
        await #expect {
            try await connection.send(["PING"])
        } throws: { error in
            guard case .notConnected(let reason) = error as? RedisError else { return false }
            return reason.contains("malformed RESP")
        }
    }
}
