import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import IngestCore
import IngestRuntime
import Logging
import ServiceLifecycle

/// `ingest serve`'s HTTP application: the job API, the views, health probes, and the parts other
/// files register (metrics, dashboard). Built from an open broker and resources, so that tests
/// drive the same router without a socket (HummingbirdTesting) that the command serves.
public struct IngestServer: Sendable {
    public let runtime: IngestRuntime
    public let broker: any Broker
    public let resources: JobResources
    public let logger: Logger
    /// What `/metrics` serves; the server's own collector keeps its broker gauges current.
    public let metrics: IngestMetrics
    public let collector: BrokerMetricsCollector

    public init(runtime: IngestRuntime, broker: any Broker, resources: JobResources, metrics: IngestMetrics = IngestMetrics(), logger: Logger) {
        self.runtime = runtime
        self.broker = broker
        self.resources = resources
        self.logger = logger
        self.metrics = metrics
        collector = BrokerMetricsCollector(broker: broker, catalog: resources.catalog, metrics: metrics, logger: logger)
    }

    /// What runs beside the HTTP application: the gauge collector, and the pass monitor that counts
    /// every job's passes once (workers do not, or each would count them again).
    public var backgroundServices: [any Service] {
        [collector, runtime.passMonitor(broker: broker, observers: [MetricsObserver(metrics: metrics)], logger: logger)]
    }

    public var settings: ServerSettings { runtime.settings.configuration.server }

    public func router() -> Router<ServerContext> {
        // Routes are added twice: first to learn each path's methods (for 405 answers), then behind the middleware.
        let table = Router(context: ServerContext.self)
        addRoutes(to: table)
        let routes = RouteTable(table.routes.map { ("\($0.path)", $0.method.rawValue) })
        let router = Router(context: ServerContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ProblemMiddleware<ServerContext>(logger: logger, routes: routes))
        router.add(middleware: BearerAuthMiddleware(tokens: settings.tokens, logger: logger, secureCookies: settings.tlsCertificate != nil))
        addRoutes(to: router)
        return router
    }

    /// The REST API's routes as `METHOD /path/{capture}`, which the OpenAPI document must describe.
    public var apiRoutes: [String] {
        let router = Router(context: ServerContext.self)
        addAPIRoutes(to: router)
        return router.routes.map { "\($0.method.rawValue) \($0.path)" }
    }

    private func addRoutes(to router: Router<ServerContext>) {
        addAPIRoutes(to: router)
        Dashboard(runtime: runtime, broker: broker, catalog: resources.catalog, logger: logger).register(on: router)
    }

    private func addAPIRoutes(to router: Router<ServerContext>) {
        HealthRoutes(broker: broker, catalog: resources.catalog, logger: logger).register(on: router)
        MetricsRoutes(metrics: metrics, token: settings.metricsToken.flatMap(MetricsToken.init), collector: collector).register(on: router)
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        JobRoutes(runtime: runtime, broker: broker, resources: resources, logger: logger).register(on: router)
        ViewRoutes(runtime: runtime, broker: broker, catalog: resources.catalog).register(on: router)
    }

    /// The application listening on `host:port`, over TLS when the configuration names a
    /// certificate and key; run it as a service in a group.
    /// - Parameter onListening: gets the bound port (the one the system picked for port 0).
    /// - Throws: `ConfigurationError` for TLS files that cannot be read.
    public func application(host: String, port: Int, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        var server = HTTPServerBuilder.http1()
        if let certificate = settings.tlsCertificate, let key = settings.tlsKey {
            let chain: [NIOSSLCertificate]
            let privateKey: NIOSSLPrivateKey
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificate)
            } catch {
                throw InvalidRequest("server.tls.certificate '\(certificate)' is not a readable PEM certificate (\(error)); give the server's certificate chain as PEM")
            }
            do {
                privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
            } catch {
                throw InvalidRequest("server.tls.key '\(key)' is not a readable PEM private key; give the key of the certificate as PEM")
            }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
            server = try .tls(.http1(), tlsConfiguration: tls)
        }
        return Application(
            router: router(), server: server, configuration: .init(address: .hostname(host, port: port), serverName: "ingest"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    /// Whether `host` (a name or an address, IPv6 with or without brackets) is reachable only from
    /// this machine: without tokens the server listens on nothing else.
    public static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("[") && name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name.removeLast() }
        if name == "localhost" || name.hasSuffix(".localhost") || name == "::1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        let values = octets.map { $0.count <= 3 && $0.allSatisfy(\.isASCII) ? UInt8($0) : nil }
        return values.allSatisfy { $0 != nil } && values[0] == 127
    }

    /// Whether a `Host` header (`name[:port]`, `[v6]:port`) names this machine; nil (no header)
    /// counts as loopback, as no browser sends a request without one.
    static func isLoopbackAuthority(_ authority: String?) -> Bool {
        guard let authority else { return true }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return isLoopback(String(authority[...close]))
        }
        let host = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? authority
        return isLoopback(host)
    }
}
