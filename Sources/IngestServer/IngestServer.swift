import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import IngestCore
import IngestRuntime
import Logging

/// `ingest serve`'s HTTP application: the job API, the views, health probes, and the parts other
/// files register (metrics, dashboard). Built from an open broker and resources, so that tests
/// drive the same router without a socket (HummingbirdTesting) that the command serves.
public struct IngestServer: Sendable {
    public let runtime: IngestRuntime
    public let broker: any Broker
    public let resources: JobResources
    public let logger: Logger

    public init(runtime: IngestRuntime, broker: any Broker, resources: JobResources, logger: Logger) {
        self.runtime = runtime
        self.broker = broker
        self.resources = resources
        self.logger = logger
    }

    public var settings: ServerSettings { runtime.settings.configuration.server }

    public func router() -> Router<ServerContext> {
        let router = Router(context: ServerContext.self)
        router.add(middleware: ProblemMiddleware<ServerContext>(logger: logger))
        router.add(middleware: BearerAuthMiddleware(tokens: settings.tokens, logger: logger, secureCookies: settings.tlsCertificate != nil))
        HealthRoutes(broker: broker, catalog: resources.catalog).register(on: router)
        JobRoutes(runtime: runtime, broker: broker, resources: resources, logger: logger).register(on: router)
        ViewRoutes(runtime: runtime, broker: broker, catalog: resources.catalog).register(on: router)
        Dashboard(runtime: runtime, broker: broker, catalog: resources.catalog, logger: logger).register(on: router)
        return router
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

    /// Whether `host` is reachable only from this machine: without tokens the server listens on
    /// nothing else.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
