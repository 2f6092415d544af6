@testable import IngestRedis
import NIOCore
import Testing

@Suite("Handshake commands")
struct RedisHandshakeTests {
    /// The wire text of a command, which is what the server sees.
    private func wire(_ command: [any RESPArgument]?) -> String? {
        guard let command else { return nil }
        var buffer = ByteBuffer()
        RESPEncoder.encodeCommand(command, into: &buffer)
        return String(buffer: buffer)
    }

    @Test func helloWithoutPasswordOnlyAsksForRESP3() {
        #expect(wire(RedisHandshake.hello(for: RedisURL(host: "h"))) == "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")
    }

    @Test func helloWithPasswordAuthenticatesTheDefaultUser() {
        let url = RedisURL(host: "h", password: "pw")
        #expect(wire(RedisHandshake.hello(for: url)) == wire(["HELLO", "3", "AUTH", "default", "pw"]))
    }

    @Test func helloWithUserAuthenticatesThatUser() {
        let url = RedisURL(host: "h", username: "ingest", password: "pw")
        #expect(wire(RedisHandshake.hello(for: url)) == wire(["HELLO", "3", "AUTH", "ingest", "pw"]))
    }

    @Test func resp2AuthUsesTheOneArgumentFormWithoutUser() {
        #expect(wire(RedisHandshake.auth(for: RedisURL(host: "h", password: "pw"))) == wire(["AUTH", "pw"]))
        let withUser = RedisURL(host: "h", username: "u", password: "pw")
        #expect(wire(RedisHandshake.auth(for: withUser)) == wire(["AUTH", "u", "pw"]))
        #expect(RedisHandshake.auth(for: RedisURL(host: "h")) == nil)
    }

    @Test func selectOnlyForNonZeroDatabases() {
        #expect(RedisHandshake.select(for: RedisURL(host: "h")) == nil)
        #expect(wire(RedisHandshake.select(for: RedisURL(host: "h", database: 4))) == wire(["SELECT", "4"]))
    }

    @Test func credentialErrorsAreNotProtocolErrors() {
        #expect(RedisHandshake.isAuthenticationError("WRONGPASS invalid username-password pair or user is disabled."))
        #expect(RedisHandshake.isAuthenticationError("NOAUTH HELLO must be called with the client authenticated"))
        #expect(RedisHandshake.isAuthenticationError("ERR invalid password"))
        #expect(!RedisHandshake.isAuthenticationError("ERR unknown command 'HELLO'"))
        #expect(!RedisHandshake.isAuthenticationError("NOPROTO unsupported protocol version"))
    }

    @Test func commandNamesForErrorMessages() {
        #expect(RedisConnection.commandName([["blpop", "k", 0]]) == "BLPOP")
        #expect(RedisConnection.commandName([["INCR", "k"], ["INCR", "k"]]) == "INCR (pipeline of 2)")
    }
}
