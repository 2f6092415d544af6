import Foundation
import Hummingbird

/// `GET /metrics`: the Prometheus text exposition, behind a bearer token when one is configured
/// (a scrape config's `authorization: {credentials: ...}`).
public struct MetricsRoutes: Sendable {
    /// What Prometheus expects for the text format.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let metrics: IngestMetrics
    private let token: MetricsToken?
    private let collector: BrokerMetricsCollector?

    /// - Parameters:
    ///   - token: when set, a request must carry `Authorization: Bearer <token>`.
    ///   - collector: when set, read before each scrape so that the gauges are current.
    public init(metrics: IngestMetrics, token: MetricsToken? = nil, collector: BrokerMetricsCollector? = nil) {
        self.metrics = metrics
        self.token = token
        self.collector = collector
    }

    public func register(on router: Router<some RequestContext>) {
        router.get("metrics") { request, _ -> Response in
            if let token {
                switch token.check(request.headers[.authorization]) {
                case .accepted:
                    break
                case .missing:
                    return Self.unauthorized(challenge: "Bearer", "/metrics needs Authorization: Bearer <token>\n")
                case .wrong:
                    return Self.unauthorized(challenge: #"Bearer error="invalid_token""#, "the bearer token is not the metrics token\n")
                }
            }
            await collector?.collectOnce()
            return Response(
                status: .ok, headers: [.contentType: Self.contentType],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.expositionBytes())))
        }
    }

    private static func unauthorized(challenge: String, _ message: String) -> Response {
        Response(
            status: .unauthorized, headers: [.wwwAuthenticate: challenge, .contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: message)))
    }
}

/// The secret a scraper presents. Its description never shows it, so it cannot reach a log by
/// interpolation.
public struct MetricsToken: Sendable, CustomStringConvertible {
    private let bytes: [UInt8]

    /// - Returns: nil for an empty or blank token, which would let anyone in.
    public init?(_ token: String) {
        let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        bytes = Array(trimmed.utf8)
    }

    public var description: String { "<metrics token>" }

    enum Verdict: Equatable {
        case accepted, missing, wrong
    }

    /// Checks an `Authorization` header value: the scheme's case does not matter (RFC 9110), the
    /// token is compared in time independent of where it differs.
    func check(_ authorization: String?) -> Verdict {
        guard let authorization, let space = authorization.firstIndex(of: " "),
            authorization[..<space].lowercased() == "bearer"
        else { return .missing }
        let presented = Array(authorization[authorization.index(after: space)...].trimmingCharacters(in: .whitespaces).utf8)
        return Self.constantTimeEqual(presented, bytes) ? .accepted : .wrong
    }

    /// Reads every byte of the presented value whatever it holds, so timing tells nothing of the secret.
    static func constantTimeEqual(_ presented: [UInt8], _ secret: [UInt8]) -> Bool {
        guard !secret.isEmpty else { return false }
        var difference: UInt8 = presented.count == secret.count ? 0 : 1
        for index in presented.indices {
            difference |= presented[index] ^ secret[index % secret.count]
        }
        return difference == 0
    }
}
