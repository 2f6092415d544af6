import Foundation
import IngestCore
import IngestRedis
import IngestTesting
import Testing

/// `rediss://` against a real redis-server in TLS mode, with certificates made for each test.
@Suite("Redis over TLS")
struct RedisTLSTests {
    private let fastReconnect = RedisClient.ReconnectPolicy(
        initialDelay: .milliseconds(20), maxDelay: .milliseconds(200), giveUpAfter: .seconds(20))

    /// The error of a connection attempt, which the test expects to fail.
    private func connectError(_ url: RedisURL) async throws -> RedisError {
        do {
            let connection = try await RedisConnection.connect(to: url, configuration: .init(connectTimeout: .seconds(5)))
            await connection.close()
        } catch let error as RedisError {
            return error
        }
        throw TestSetupFailed(description: "connecting to \(url) succeeded, but it should have been refused")
    }

    @Test func commandsPipelinesAndScriptsWorkOverTLS() async throws {
        let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
        let client = RedisClient(url: try server.url)
        try await client.send(["SET", "greeting", "hello over tls"])
        #expect(try await client.send(["GET", "greeting"]).string == "hello over tls")
        let replies = try await client.pipeline([["INCR", "n"], ["INCR", "n"], ["GET", "n"]])
        #expect(replies.map(\.string) == [nil, nil, "2"])
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await client.evalScript(script, keys: ["n"], arguments: [40]) == .integer(42))
        #expect(try await client.connection().protocolVersion == .resp3)
        await client.close()
    }

    @Test func aHostNameInTheCertificateIsMatchedBySNI() async throws {
        let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
        var url = try server.url
        url.host = "localhost"
        let connection = try await RedisConnection.connect(to: url)
        #expect(try await connection.send(["PING"]).string == "PONG")
        await connection.close()
    }

    @Test func theBrokerRunsATaskTreeOverTLS() async throws {
        let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
        let broker = RedisBroker(url: try server.url, keyPrefix: "tls-test:")
        try await broker.checkEvictionPolicy()
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        let root = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        let renewed = try await broker.renew([root.lease], leaseDuration: 30)
        #expect(renewed.count == 1)
        try await broker.finish([TaskCompletion(lease: root.lease, outcome: .succeeded, spawned: [.test(key: "a"), .test(key: "b")])])
        let children = try await broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w")
        #expect(Set(children.map(\.key)) == ["a", "b"])
        try await broker.finish(children.map { TaskCompletion(lease: $0.lease, outcome: .succeeded) })
        let status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.counter(Counter.tasksDone) == 3)
        try await broker.flush()
        #expect(try await broker.jobs().isEmpty)
        await broker.close()
    }

    @Test func aCertificateFromAnotherCAIsRefusedWithTheHostAndTheFix() async throws {
        let certificates = try TestCertificates()
        let server = try PrivateRedisServer(tls: .init(certificates: certificates))
        var url = try server.url
        url.password = "hunter2"
        url.tls.caCertificatesFile = certificates.otherCACertificate
        let error = try await connectError(url)
        guard case .tlsServerCertificateRejected = error else {
            Issue.record("expected the server certificate to be rejected, got \(error)")
            return
        }
        #expect(error.description.contains("'127.0.0.1'"), "\(error)")
        #expect(error.description.contains("CERTIFICATE_VERIFY_FAILED"), "\(error)")
        #expect(error.description.contains("ssl_ca_certs"), "\(error)")
        #expect(!error.description.contains("hunter2"), "\(error)")
    }

    @Test func theSystemTrustRootsDoNotVouchForAPrivateCA() async throws {
        let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
        var url = try server.url
        url.tls.caCertificatesFile = nil
        let error = try await connectError(url)
        guard case .tlsServerCertificateRejected = error else {
            Issue.record("expected the server certificate to be rejected, got \(error)")
            return
        }
    }

    @Test func aCertificateForAnotherHostIsRefusedUnlessHostnameChecksAreOff() async throws {
        let certificates = try TestCertificates(serverNames: ["DNS:redis.elsewhere.example"])
        let server = try PrivateRedisServer(tls: .init(certificates: certificates))
        let error = try await connectError(try server.url)
        guard case .tlsServerCertificateRejected = error else {
            Issue.record("expected the host name check to fail, got \(error)")
            return
        }
        #expect(error.description.contains("issued for other host names"), "\(error)")

        var unchecked = try server.url
        unchecked.tls.checksHostname = false
        let connection = try await RedisConnection.connect(to: unchecked)
        #expect(try await connection.send(["PING"]).string == "PONG")
        await connection.close()
    }

    @Test func sslCertReqsNoneConnectsWithoutVerifying() async throws {
        let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
        let url = try RedisURL(parsing: "rediss://127.0.0.1:\(server.port)/0?ssl_cert_reqs=none")
        let connection = try await RedisConnection.connect(to: url)
        #expect(try await connection.send(["PING"]).string == "PONG")
        await connection.close()
    }

    @Test func aServerThatRequiresClientCertificatesAcceptsOnlyOneSignedByItsCA() async throws {
        let certificates = try TestCertificates()
        let server = try PrivateRedisServer(tls: .init(certificates: certificates, requiresClientCertificates: true))

        let withCertificate = try await RedisConnection.connect(to: try server.url)
        #expect(try await withCertificate.send(["PING"]).string == "PONG")
        await withCertificate.close()

        var anonymous = try server.url
        anonymous.tls.certificateFile = nil
        anonymous.tls.keyFile = nil
        let refused = try await connectError(anonymous)
        guard case .tlsClientCertificateRejected = refused else {
            Issue.record("expected the server to refuse a client without a certificate, got \(refused)")
            return
        }
        #expect(refused.description.contains("ssl_certfile"), "\(refused)")

        var intruder = try server.url
        intruder.tls.certificateFile = certificates.untrustedClientCertificate
        intruder.tls.keyFile = certificates.untrustedClientKey
        let untrusted = try await connectError(intruder)
        guard case .tlsClientCertificateRejected = untrusted else {
            Issue.record("expected the server to refuse an untrusted client certificate, got \(untrusted)")
            return
        }
    }

    @Test func aMissingCAFileIsNamedBeforeConnecting() async throws {
        let url = try RedisURL(parsing: "rediss://127.0.0.1:1/0?ssl_ca_certs=/nonexistent/ca.pem")
        let error = try await connectError(url)
        guard case .tlsConfiguration = error else {
            Issue.record("expected a configuration error, got \(error)")
            return
        }
        #expect(error.description.contains("ssl_ca_certs '/nonexistent/ca.pem' does not exist"), "\(error)")
    }

    @Test func tlsToAPlainPortSaysToCheckThePort() async throws {
        var url = try RedisTestServer.url()
        url.usesTLS = true
        url.tls.certificateRequirement = .none
        let error = try await connectError(url)
        #expect(error.description.contains("tls-port"), "\(error)")
        // Ended by the handshake's own time limit (5 s in `connectError`), not left waiting for a
        // handshake that never comes. (No wall-clock bound: the full suite starves tests on two cores.)
        #expect(error.description.contains("within 5.0 s"), "\(error)")
    }

    @Test func plainRedisToATLSPortSaysToUseRediss() async throws {
        let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
        let error = try await connectError(try RedisURL(parsing: "redis://127.0.0.1:\(server.port)/0"))
        guard case .connectFailed = error else {
            Issue.record("expected a connect failure, got \(error)")
            return
        }
        #expect(error.description.contains("rediss://"), "\(error)")
    }

    @Test func aRestartedTLSServerIsReconnectedAndScriptsAreSentAgain() async throws {
        let server = try PrivateRedisServer(tls: .init(certificates: TestCertificates()))
        let client = RedisClient(url: try server.url, reconnectPolicy: fastReconnect)
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1]) .. ' via tls script'")
        #expect(try await client.evalScript(script, keys: ["counter"], arguments: [1]).string == "1 via tls script")
        let before = try await client.connection()

        server.stop()
        for _ in 0..<200 where !before.isClosed {
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(before.isClosed, "the client notices the server went away")
        try server.start()

        // The restarted server has an empty script cache: EVALSHA gets NOSCRIPT and the source is sent.
        #expect(try await client.evalScript(script, keys: ["counter"], arguments: [1]).string == "2 via tls script")
        #expect(try await client.connection() !== before)
        await client.close()
    }
}
