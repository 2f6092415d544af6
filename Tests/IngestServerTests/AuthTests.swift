import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestServer
import IngestTesting
import Testing

/// Bearer tokens with roles: a read token looks, an operate token also changes things; probes
/// need none; no token, a wrong one or a missing role is refused without acting.
@Suite struct AuthTests {
    private static let configuration = """
        server:
          tokens:
            - name: dashboard
              token: read-secret-1234
              role: read
            - token: operate-secret-5678
              role: operate
        """

    @Test func aRequestWithoutATokenIsUnauthorizedAndSaysHowToSendOne() async throws {
        let harness = try await ServerHarness(configuration: Self.configuration)
        try await harness.test { client in
            let response = try await client.get("/job")
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
            #expect((response.json["detail"] as? String)?.contains("Authorization: Bearer TOKEN") == true)
            let submitted = try await client.submit("root: /tmp\ntarget: /zone/a\n", name: "sneaky")
            #expect(submitted.status == .unauthorized)
            #expect(try await harness.broker.jobs().isEmpty)
        }
        await harness.close()
    }

    @Test func aWrongTokenIsUnauthorizedAndNotEchoed() async throws {
        let harness = try await ServerHarness(configuration: Self.configuration)
        try await harness.test { client in
            let response = try await client.get("/job", token: "guess-1234")
            #expect(response.status == .unauthorized)
            #expect(!response.text.contains("guess-1234"))
            #expect(!response.text.contains("read-secret"))
        }
        await harness.close()
    }

    @Test func aReadTokenLooksButCannotSubmitOrStop() async throws {
        let harness = try await ServerHarness(configuration: Self.configuration)
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            #expect(try await client.get("/job", token: "read-secret-1234").status == .ok)
            let submitted = try await client.submit("root: \(source)\ntarget: /zone/a\n", name: "j", token: "read-secret-1234")
            #expect(submitted.status == .forbidden)
            #expect((submitted.json["detail"] as? String)?.contains("token 'dashboard' has the read role") == true)
            #expect(try await harness.broker.jobs().isEmpty)

            let queued = try await client.submit("root: \(source)\ntarget: /zone/a\n", name: "j", token: "operate-secret-5678")
            #expect(queued.status == .created)
            let stop = try await client.execute(
                uri: "/job/j", method: .delete, headers: [.authorization: "Bearer read-secret-1234"])
            #expect(stop.status == .forbidden)
            #expect(try await harness.broker.job(named: "j")?.state == .queued)
            let stopped = try await client.execute(
                uri: "/job/j", method: .delete, headers: [.authorization: "Bearer operate-secret-5678"])
            #expect(stopped.status == .ok)
        }
        await harness.close()
    }

    @Test func probesNeedNoToken() async throws {
        let harness = try await ServerHarness(configuration: Self.configuration)
        try await harness.test { client in
            let health = try await client.get("/healthz")
            let ready = try await client.get("/readyz")
            #expect(health.status == .ok)
            #expect(ready.status == .ok)
        }
        await harness.close()
    }

    @Test func withoutTokensTheServerListensOnLoopbackOnly() {
        #expect(IngestServer.isLoopback("127.0.0.1"))
        #expect(IngestServer.isLoopback("localhost"))
        #expect(IngestServer.isLoopback("::1"))
        #expect(!IngestServer.isLoopback("0.0.0.0"))
        #expect(!IngestServer.isLoopback("10.0.0.5"))
        #expect(IngestServer.isLoopback("127.8.0.1") && IngestServer.isLoopback("[::1]") && IngestServer.isLoopback("LOCALHOST."))
        // Names that merely start like a loopback address are anyone's.
        #expect(!IngestServer.isLoopback("127.0.0.1.attacker.example"))
        #expect(!IngestServer.isLoopback("127.example.org"))
        #expect(!IngestServer.isLoopback("localhost.attacker.example"))
        #expect(!IngestServer.isLoopback("127.0.0.256"))
    }

    /// DNS rebinding: a page on attacker.example whose name now resolves to 127.0.0.1 can reach a
    /// tokenless server, but its requests name attacker.example in Host.
    @Test func withoutTokensARequestForAnotherHostNameIsRefused() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            let rebound = try await client.execute(uri: "/job", method: .get, headers: [.init("Host")!: "attacker.example:8080"])
            #expect(rebound.status == .forbidden)
            #expect((rebound.json["detail"] as? String)?.contains("configure server.tokens") == true)
            let submitted = try await client.execute(
                uri: "/job/j", method: .put,
                headers: [.init("Host")!: "attacker.example:8080", .origin: "http://attacker.example:8080", .contentType: "application/x-yaml"],
                body: ByteBuffer(string: "root: \(source)\ntarget: /zone/a\n"))
            #expect(submitted.status == .forbidden)
            #expect(try await harness.broker.jobs().isEmpty)
            for host in ["127.0.0.1:8080", "localhost:8080", "[::1]:8080"] {
                #expect(try await client.execute(uri: "/job", method: .get, headers: [.init("Host")!: host]).status == .ok, "\(host)")
            }
        }
        await harness.close()
    }

    @Test func withTokensAnyHostNameIsServed() async throws {
        let harness = try await ServerHarness(configuration: Self.configuration)
        try await harness.test { client in
            let response = try await client.execute(
                uri: "/job", method: .get, headers: [.init("Host")!: "ingest.example.org", .authorization: "Bearer read-secret-1234"])
            #expect(response.status == .ok)
        }
        await harness.close()
    }

    @Test func aTokenWithoutARoleIsAConfigurationError() async throws {
        await #expect(throws: ConfigurationError.self) {
            _ = try await ServerHarness(configuration: "server:\n  tokens:\n    - token: abc\n")
        }
        await #expect(throws: ConfigurationError.self) {
            _ = try await ServerHarness(configuration: "server:\n  tokens:\n    - token: abc\n      role: admin\n")
        }
    }
}
