import Foundation
import Hummingbird
import IngestCore
import IngestRuntime

/// What the engine holds besides jobs: queues, live workers, storage resources and the catalog.
struct ViewRoutes: Sendable {
    let runtime: IngestRuntime
    let broker: any Broker
    let catalog: any Catalog

    /// A collection's entries, one page at a time, or the one data object a path names.
    struct CatalogListing: Encodable {
        var path: String
        var kind: String
        var entries: [CatalogEntrySummary]
        @Nullable var nextCursor: String?
    }

    func register(on router: Router<ServerContext>) {
        // A browser gets the dashboard's page of the same list.
        router.get("queues") { request, context in
            let queues = try await runtime.queues(broker: broker)
            return Dashboard.prefersHTML(request) ? QueuesPage.response(queues, request: request, context: context) : JSONBody.response(queues)
        }
        router.get("workers") { request, context in
            let workers = try await runtime.workers(broker: broker)
            return Dashboard.prefersHTML(request) ? WorkersPage.response(workers, request: request, context: context) : JSONBody.response(workers)
        }
        router.get("resources") { _, _ in JSONBody.response(try await runtime.resources(catalog: catalog)) }
        router.get("catalog/ls") { request, _ in
            let path = try Self.path(request)
            let page = try Paging(request)
            let offset = try page.cursor.map { text -> Int in
                guard let offset = Int(text), offset >= 0 else { throw Problem(.badRequest, "cursor '\(text)' is not one this API gave; start without it") }
                return offset
            } ?? 0
            let kind = try await catalog.kind(of: path)
            switch kind {
            case .dataObject:
                guard let object = try await catalog.dataObject(at: path) else { throw Self.notFound(path) }
                let entry = CatalogEntry(
                    kind: .dataObject, path: object.path, size: object.size, mtimeNanos: object.mtimeNanos, replicaCount: object.replicas.count)
                return JSONBody.response(CatalogListing(path: path, kind: "data_object", entries: [CatalogEntrySummary(entry)]))
            case _ where kind == .collection || path == "/":
                let entries = try await catalog.list(collection: path)
                let start = min(offset, entries.count)
                let end = start + min(page.limit, entries.count - start)
                let slice = Array(entries[start..<end])
                return JSONBody.response(CatalogListing(
                    path: path, kind: "collection", entries: slice.map(CatalogEntrySummary.init),
                    nextCursor: end < entries.count ? String(end) : nil))
            default:
                throw Self.notFound(path)
            }
        }
        router.get("catalog/stat") { request, _ in
            let path = try Self.path(request)
            switch try await catalog.kind(of: path) {
            case .dataObject:
                guard let object = try await catalog.dataObject(at: path) else { throw Self.notFound(path) }
                return JSONBody.response(DataObjectSummary(object))
            case .collection:
                guard let collection = try await catalog.collection(at: path) else { throw Self.notFound(path) }
                return JSONBody.response(CollectionSummary(collection))
            default:
                throw Self.notFound(path)
            }
        }
    }

    static func path(_ request: Request) throws -> String {
        let given = request.uri.queryParameters.get("path") ?? "/"
        if given == "/" { return "/" }
        switch LogicalPath.normalize(given) {
        case .success(let path): return path
        case .failure(let error): throw Problem(.badRequest, "\(error)")
        }
    }

    static func notFound(_ path: String) -> Problem {
        Problem(.notFound, "nothing in the catalog at '\(path)'; GET /catalog/ls?path=/ lists the top collections")
    }
}
