import IngestCore
import IngestEngine
import Logging
import ServiceLifecycle

/// What `ingest worker --metrics-port` adds to a worker process: an observer counting its tasks, a
/// collector of the broker's gauges, and a small HTTP server for `/metrics` and `/healthz`.
public struct MetricsEndpoint: Sendable {
    public let metrics: IngestMetrics
    public let host: String
    public let port: Int
    private let token: MetricsToken?
    private let collectionInterval: Duration

    /// - Parameters:
    ///   - token: when set, scrapes must present it as a bearer token.
    ///   - collectionInterval: between two readings of the broker's gauges.
    public init(
        metrics: IngestMetrics = IngestMetrics(), host: String, port: Int, token: MetricsToken? = nil, collectionInterval: Duration = .seconds(5)
    ) {
        self.metrics = metrics
        self.host = host
        self.port = port
        self.token = token
        self.collectionInterval = collectionInterval
    }

    /// Where Prometheus scrapes it.
    public var url: String {
        let authority = host.contains(":") ? "[\(host)]" : host
        return "http://\(authority):\(port)/metrics"
    }

    /// For `IngestRuntime.worker(observers:)`.
    public var observers: [any WorkerObserver] { [MetricsObserver(metrics: metrics)] }

    /// The collector and the HTTP server, to start before the worker so that they stop after it (a
    /// service group stops its services in reverse order). Either one ending, or the server failing
    /// to bind, shuts the whole group down gracefully: the worker drains rather than runs unobserved.
    public func services(broker: any Broker, catalog: any Catalog, logger: Logger) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let collector = BrokerMetricsCollector(broker: broker, catalog: catalog, metrics: metrics, interval: collectionInterval, logger: logger)
        let application = MetricsApplication.make(metrics: metrics, token: token, host: host, port: port, logger: logger)
        return [application as any Service, collector].map { service in
            ServiceGroupConfiguration.ServiceConfiguration(
                service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
        }
    }
}
