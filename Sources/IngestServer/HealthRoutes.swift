import Hummingbird
import IngestCore
import Logging

/// `/healthz` answers while the process serves; `/readyz` only when the broker and the catalog
/// answer too, so that a load balancer or Kubernetes sends no requests to a server that cannot act.
struct HealthRoutes: Sendable {
    let broker: any Broker
    let catalog: any Catalog
    let logger: Logger

    func register(on router: Router<ServerContext>) {
        router.get("healthz") { _, _ in Self.text(.ok, "ok\n") }
        router.get("readyz") { _, _ -> Response in
            // The probe is public: it says which part failed, and the log says why (the error
            // names hosts and users).
            do {
                try await broker.checkReady()
                // A point read: it reaches the storage (a removed state file, a dropped connection)
                // without reading every job.
                _ = try await broker.job(named: "readyz probe")
            } catch {
                logger.error("readiness: the broker does not answer", metadata: ["error": "\(error)"])
                return Self.text(.serviceUnavailable, "not ready: the broker does not answer (see the server's log)\n")
            }
            do {
                _ = try await catalog.kind(of: "/")
            } catch {
                logger.error("readiness: the catalog does not answer", metadata: ["error": "\(error)"])
                return Self.text(.serviceUnavailable, "not ready: the catalog does not answer (see the server's log)\n")
            }
            return Self.text(.ok, "ready\n")
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
