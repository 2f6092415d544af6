import Hummingbird
import Logging

/// The small HTTP server of a process that is not the API server (`ingest worker --metrics-port`):
/// `/metrics` and `/healthz`, nothing else, run as a `Service` beside the worker.
public enum MetricsApplication {
    /// - Parameters:
    ///   - host: the address to bind; loopback unless the scraper runs on another machine.
    ///   - collector: read before each scrape, when given.
    public static func make(
        metrics: IngestMetrics, token: MetricsToken? = nil, collector: BrokerMetricsCollector? = nil, host: String, port: Int,
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        MetricsRoutes(metrics: metrics, token: token, collector: collector).register(on: router)
        router.get("healthz") { _, _ in "ok\n" }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
    }
}
