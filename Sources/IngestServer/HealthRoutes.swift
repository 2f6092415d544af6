import Hummingbird
import IngestCore

/// `/healthz` answers while the process serves; `/readyz` only when the broker and the catalog
/// answer too, so that a load balancer or Kubernetes sends no requests to a server that cannot act.
struct HealthRoutes: Sendable {
    let broker: any Broker
    let catalog: any Catalog

    func register(on router: Router<ServerContext>) {
        router.get("healthz") { _, _ in Self.text(.ok, "ok\n") }
        router.get("readyz") { _, _ -> Response in
            do {
                _ = try await broker.jobs()
                _ = try await catalog.kind(of: "/")
                return Self.text(.ok, "ready\n")
            } catch {
                return Self.text(.serviceUnavailable, "not ready: \(error)\n")
            }
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
