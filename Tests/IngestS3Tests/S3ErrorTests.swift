import AsyncHTTPClient
import Foundation
import IngestS3
import IngestTesting
import Logging
import NIOCore
import Testing

/// Failures against real servers and against small local servers that misbehave on purpose.
@Suite struct S3ErrorTests {
    static let quick = S3Client.Configuration(retry: S3RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)))

    /// Runs `body` with a client of `url`, shutting it down whatever happens.
    static func withClient(_ url: String, configuration: S3Client.Configuration = quick, _ body: (S3Client) async throws -> Void) async throws {
        let client = try S3Client(
            endpoint: S3Endpoint(url: url), credentials: S3Credentials(accessKeyID: "AKIDTEST", secretAccessKey: "SECRETTEST"),
            configuration: configuration, logger: Logger(label: "test"))
        do {
            try await body(client)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The same for a client of a test server.
    static func withClient(
        _ server: S3TestServer, credentials: S3Credentials? = nil, logger: Logger = Logger(label: "test"), _ body: (S3Client) async throws -> Void
    ) async throws {
        let client = try server.client(credentials: credentials, logger: logger)
        do {
            try await body(client)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    @Test(arguments: ["moto", "rgw"]) func aMissingBucketIsNamedWithTheFix(server: String) async throws {
        let testServer = try S3TestServer.named(server)
        try await Self.withClient(testServer) { client in
            let bucket = S3TestServer.uniqueBucketName("absent")
            let error = try await #require(throws: S3Error.self) { try await client.listObjectsV2(bucket: bucket) }
            #expect(error.description == "bucket '\(bucket)' does not exist at \(testServer.endpoint); create it or fix the bucket name")
            let headError = try await #require(throws: S3Error.self) { try await client.headBucket(bucket) }
            #expect(headError == .noSuchBucket(bucket: bucket, endpoint: testServer.endpoint.description))
        }
    }

    @Test func aWrongSecretIsRefusedAndTheMessageNamesTheSettingNotTheSecret() async throws {
        let server = try S3TestServer.rgw()
        let log = CapturedLog()
        let wrong = S3Credentials(accessKeyID: server.credentials.accessKeyID, secretAccessKey: "not-the-secret-0123456789")
        try await Self.withClient(server, credentials: wrong, logger: Logger(label: "test") { _ in log }) { client in
            let error = try await #require(throws: S3Error.self) { try await client.listObjectsV2(bucket: "any-bucket") }
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.description.contains("secret access key is wrong"))
            #expect(error.description.contains("AWS_SECRET_ACCESS_KEY"))
            #expect(log.lines.contains { $0.contains("S3 request") })
            for text in [error.description, "\(error)", String(reflecting: error)] + log.lines {
                #expect(!text.contains("not-the-secret"))
                #expect(!text.contains(server.credentials.secretAccessKey))
            }
        }
    }

    @Test func anUnknownAccessKeyIsRefused() async throws {
        let server = try S3TestServer.rgw()
        try await Self.withClient(server, credentials: S3Credentials(accessKeyID: "NOSUCHKEY0000000000", secretAccessKey: "whatever")) { client in
            let error = try await #require(throws: S3Error.self) { try await client.headBucket("any-bucket") }
            #expect(error.code == "InvalidAccessKeyId" || error.code == "AccessDenied")
            #expect(error.description.contains("--s3_keypair"))
        }
    }

    @Test func anHTMLServerIsNotS3() async throws {
        let html = try await ScriptedHTTPServer([.init(status: .ok, headers: [("content-type", "text/html")], body: "<html><body>Welcome</body></html>")])
        try await Self.withClient(html.url) { client in
            let error = try await #require(throws: S3Error.self) { try await client.listObjectsV2(bucket: "b") }
            #expect(error.description.hasPrefix("\(html.url) does not answer like an S3 server (HTTP 200, first bytes: '<html><body>Welcome"))
            #expect(html.requests.count == 1)
        }
        try await html.stop()
    }

    @Test func aNonHTTPServiceIsNotS3() async throws {
        let redisLike = try await RawReplyServer(reply: "-ERR wrong number of arguments for 'get' command\r\n")
        try await Self.withClient("http://127.0.0.1:\(redisLike.port)") { client in
            let error = try await #require(throws: S3Error.self) { try await client.headBucket("b") }
            #expect(
                error.description
                    == "http://127.0.0.1:\(redisLike.port) does not answer like an S3 server (the answer is not HTTP); check the S3 endpoint")
        }
        redisLike.stop()
    }

    @Test func aRefusedConnectionNamesTheEndpoint() async throws {
        let port = try TestServers.freeLoopbackPort()
        try await Self.withClient("http://127.0.0.1:\(port)") { client in
            let error = try await #require(throws: S3Error.self) { try await client.headBucket("b") }
            guard case .unreachable(let endpoint, _) = error else {
                Issue.record("got \(error)")
                return
            }
            #expect(endpoint == "http://127.0.0.1:\(port)")
            #expect(error.description.hasPrefix("cannot reach the S3 endpoint http://127.0.0.1:\(port) (connection refused); check"))
        }
    }

    @Test func aServiceUnavailableAnswerIsRetriedUntilItSucceeds() async throws {
        let slowDown = ScriptedHTTPServer.Response(
            status: .serviceUnavailable, body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
        let server = try await ScriptedHTTPServer([
            slowDown, slowDown,
            .init(status: .ok, body: "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated></ListBucketResult>"),
        ])
        try await Self.withClient(server.url) { client in
            let page = try await client.listObjectsV2(bucket: "b")
            #expect(page.objects.isEmpty)
            #expect(server.requests.count == 3)
        }
        try await server.stop()
    }

    @Test func retriesStopAfterTheConfiguredAttempts() async throws {
        let server = try await ScriptedHTTPServer([.init(status: .internalServerError, body: "<Error><Code>InternalError</Code></Error>")])
        try await Self.withClient(server.url) { client in
            let error = try await #require(throws: S3Error.self) { try await client.headObject(bucket: "b", key: "k") }
            #expect(error.code == nil || error.code == "InternalError")
            #expect(server.requests.count == 3)
        }
        try await server.stop()
    }

    @Test func aClientErrorIsNotRetried() async throws {
        let server = try await ScriptedHTTPServer([.init(status: .badRequest, body: "<Error><Code>InvalidArgument</Code></Error>")])
        try await Self.withClient(server.url) { client in
            await #expect(throws: S3Error.self) { try await client.listObjectsV2(bucket: "b") }
            #expect(server.requests.count == 1)
        }
        try await server.stop()
    }

    @Test func aStreamingBodyIsNotRetried() async throws {
        let server = try await ScriptedHTTPServer([.init(status: .serviceUnavailable, body: "<Error><Code>SlowDown</Code></Error>")])
        try await Self.withClient(server.url) { client in
            let source = PatternSource(size: 1000)
            await #expect(throws: S3Error.self) {
                try await client.putObject(bucket: "b", key: "k", length: 1000, streaming: source.chunks)
            }
            #expect(server.requests.count == 1)
        }
        try await server.stop()
    }

    @Test func aRequestCarriesTheRequestPathEncodedAsSigned() async throws {
        let server = try await ScriptedHTTPServer([.init(status: .ok)])
        try await Self.withClient(server.url) { client in
            try await client.putObject(bucket: "b", key: "a b/c+d%e", bytes: [1])
            #expect(server.requests == ["PUT /b/a%20b/c%2Bd%25e"])
        }
        try await server.stop()
    }

    @Test func aSilentServerTimesOutAfterTheRetries() async throws {
        let silent = try await RawReplyServer(reply: nil)
        var configuration = Self.quick
        configuration.requestTimeout = .milliseconds(300)
        try await Self.withClient("http://127.0.0.1:\(silent.port)", configuration: configuration) { client in
            let error = try await #require(throws: S3Error.self) { try await client.headBucket("b") }
            #expect(error == .timedOut(operation: "HeadBucket", endpoint: "http://127.0.0.1:\(silent.port)"))
            #expect(error.description.contains("timed out"))
        }
        #expect(silent.connections >= 1)
        silent.stop()
    }

    @Test func aSkewedClockIsReportedAsSuch() async throws {
        let server = try S3TestServer.rgw()
        var configuration = Self.quick
        configuration.clock = { Date().addingTimeInterval(-3600) }
        let client = try server.client(configuration: configuration)
        let error = await #expect(throws: S3Error.self) { try await client.listObjectsV2(bucket: "any-bucket") }
        try await client.shutdown()
        #expect(error == .clockSkew(endpoint: server.endpoint.description))
        #expect(error?.description.contains("fix the clock") == true)
    }
}
