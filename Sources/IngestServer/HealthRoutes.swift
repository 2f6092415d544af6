import Hummingbird
import IngestCore

/// `/healthz` answers while the process serves; `/readyz` only when the broker and the catalog
/// answer too, so that a load balancer or Kubernetes sends no requests to a server that cannot act.
struct HealthRoutes: Sendable {
    let broker: any Broker
    let catalog: any Catalog

    func register(on router: Router<ServerContext>) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            do {
                _ = try await broker.jobs()
                _ = try await catalog.kind(of: "/")
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
            } catch {
                return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "not ready: \(error)\n")))
            }
        }
    }
}
