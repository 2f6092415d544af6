import Foundation
import Hummingbird
import HummingbirdTesting
import IngestServer
import Logging
import Synchronization
import Testing

/// Keeps every message with its metadata, to check that a secret reaches no log.
private final class FullLog: LogHandler, Sendable {
    private let captured = Mutex<[String]>([])
    private let attached = Mutex<Logger.Metadata>([:])

    var text: String { captured.withLock { $0.joined(separator: "\n") } }

    func log(event: LogEvent) {
        let context = attached.withLock { $0 }.merging(event.metadata ?? [:]) { $1 }
        captured.withLock { $0.append("\(event.level) \(event.message) \(context) \(event.source) \(event.file)") }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { attached.withLock { $0[key] } }
        set { attached.withLock { $0[key] = newValue } }
    }

    var metadata: Logger.Metadata {
        get { attached.withLock { $0 } }
        set { attached.withLock { $0 = newValue } }
    }

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
}

@Suite struct MetricsRoutesTests {
    private static let token = "s3cret-scrape-token"

    private func application(token: String? = nil, log: FullLog? = nil) -> some ApplicationProtocol {
        let metrics = IngestMetrics()
        metrics.recordBrokerError()
        let logger = log.map { log in Logger(label: "ingest.server", factory: { _ in log }) } ?? quietLogger()
        return MetricsApplication.make(metrics: metrics, token: token.flatMap(MetricsToken.init), host: "127.0.0.1", port: 0, logger: logger)
    }

    @Test func metricsAreServedInThePrometheusTextFormat() async throws {
        try await application().test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let body = String(buffer: response.body)
            #expect(body.contains("# HELP ingest_broker_errors_total "))
            #expect(Exposition(body).value("ingest_broker_errors_total") == 1)
        }
    }

    @Test func healthzAnswers() async throws {
        try await application(token: Self.token).test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok, "the token guards /metrics only")
            #expect(String(buffer: response.body) == "ok\n")
        }
    }

    @Test(arguments: [
        (nil as String?, "Bearer"),
        ("Basic \(Data("user:\(token)".utf8).base64EncodedString())", "Bearer"),
        ("Bearer not-the-token", #"Bearer error="invalid_token""#),
        ("Bearer \(token)x", #"Bearer error="invalid_token""#),
        ("Bearer \(token.dropLast())", #"Bearer error="invalid_token""#),
        ("Bearer", "Bearer"),
    ])
    func aScrapeWithoutTheTokenIsRefused(_ authorization: String?, _ challenge: String) async throws {
        try await application(token: Self.token).test(.router) { client in
            let headers: HTTPFields = authorization.map { [.authorization: $0] } ?? [:]
            let response = try await client.execute(uri: "/metrics", method: .get, headers: headers)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == challenge)
            let body = String(buffer: response.body)
            #expect(!body.contains("ingest_"), "no metrics without the token")
            #expect(!body.contains(Self.token))
        }
    }

    @Test(arguments: ["Bearer \(token)", "bearer \(token)", "BEARER  \(token) "])
    func aScrapeWithTheTokenIsServed(_ authorization: String) async throws {
        try await application(token: Self.token).test(.router) { client in
            let response = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: authorization])
            #expect(response.status == .ok)
            #expect(Exposition(String(buffer: response.body)).value("ingest_broker_errors_total") == 1)
        }
    }

    @Test func theTokenReachesNoLog() async throws {
        let log = FullLog()
        // Live, so that the server's own start, connection and request logging all run.
        try await application(token: Self.token, log: log).test(.live) { client in
            for authorization in ["Bearer \(Self.token)", "Bearer wrong", "Bearer \(Self.token)-and-more"] {
                _ = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: authorization])
            }
        }
        #expect(!log.text.isEmpty, "the application logged something to look through")
        #expect(!log.text.contains(Self.token), "\(log.text)")
        #expect(MetricsToken(Self.token).map { "\($0)" } == "<metrics token>")
    }

    @Test func aBlankTokenIsNoToken() {
        #expect(MetricsToken("") == nil)
        #expect(MetricsToken(" \n") == nil)
    }
}
