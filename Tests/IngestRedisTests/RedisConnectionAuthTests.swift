import Foundation
import IngestRedis
import Testing

/// Authentication against an ACL user created for each test, which leaves the server's
/// default user (and so every other test running in parallel) untouched.
@Suite("Authentication")
struct RedisConnectionAuthTests {
    /// Creates a user with a random name and password, runs `body`, deletes the user.
    private func withUser(_ body: (_ user: String, _ password: String) async throws -> Void) async throws {
        let admin = try await RedisTestServer.connect()
        let user = "ingest-test-\(UUID().uuidString)"
        let password = "pw-\(UUID().uuidString)"
        try await admin.send(["ACL", "SETUSER", user, "on", ">\(password)", "~*", "&*", "+@all"])
        do {
            try await body(user, password)
        } catch {
            _ = try? await admin.send(["ACL", "DELUSER", user])
            await admin.close()
            throw error
        }
        try await admin.send(["ACL", "DELUSER", user])
        await admin.close()
    }

    private func url(user: String, password: String, database: Int = 0) throws -> RedisURL {
        var url = try RedisTestServer.url(database: database)
        url.username = user
        url.password = password
        return url
    }

    @Test func helloAuthenticatesTheUserFromTheURL() async throws {
        try await withUser { user, password in
            let connection = try await RedisConnection.connect(to: url(user: user, password: password, database: 2))
            #expect(connection.protocolVersion == .resp3)
            #expect(try await connection.send(["ACL", "WHOAMI"]).string == user)
            #expect(try await connection.send(["CLIENT", "INFO"]).string?.contains(" db=2 ") == true)
            await connection.close()
        }
    }

    @Test func resp2PathAuthenticatesWithAuth() async throws {
        try await withUser { user, password in
            let connection = try await RedisConnection.connect(
                to: url(user: user, password: password), configuration: .init(protocolVersion: .resp2))
            #expect(connection.protocolVersion == .resp2)
            #expect(try await connection.send(["ACL", "WHOAMI"]).string == user)
            await connection.close()
        }
    }

    @Test(arguments: [RedisConnection.ProtocolVersion.resp3, .resp2])
    func wrongPasswordFailsWithAMessageThatHidesIt(version: RedisConnection.ProtocolVersion) async throws {
        try await withUser { user, _ in
            await #expect {
                _ = try await RedisConnection.connect(
                    to: url(user: user, password: "not-the-password"),
                    configuration: .init(protocolVersion: version))
            } throws: { error in
                guard case .authenticationFailed = error as? RedisError else { return false }
                let text = "\(error)"
                return text.contains("refused authentication") && !text.contains("not-the-password")
            }
        }
    }
}
