import Foundation
import Hummingbird
import NIOCore
import Logging
import IngestCore
import IngestGraph
import IngestRuntime

/// An error as RFC 9457 `application/problem+json`: what went wrong (`title`), for which request
/// (`instance`) and the fix (`detail`, the message the CLI prints).
struct Problem: Error, Encodable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
    var instance: String?
    /// For 405: the methods the path takes (the `Allow` header).
    var allowedMethods: [String] = []

    private enum CodingKeys: String, CodingKey { case type, title, status, detail, instance }

    init(_ status: HTTPResponse.Status, _ detail: String, instance: String? = nil) {
        title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
        self.instance = instance
    }

    func response() -> Response {
        var response = JSONBody.response(self, status: HTTPResponse.Status(code: status))
        response.headers[.contentType] = "application/problem+json"
        return response
    }
}

/// Turns every error a route throws into a problem document: the request's fault is a 4xx with the
/// message naming the fix; only a failure of the server's own (a broker down) is a 5xx.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Self.problem(for: error, path: request.uri.path)
            if problem.status == 404, case let allowed = routes.methods(forPath: request.uri.path), !allowed.isEmpty, !allowed.contains(request.method.rawValue) {
                problem = Problem(.methodNotAllowed, "\(request.method) is not taken by \(request.uri.path); it takes \(allowed.joined(separator: ", "))", instance: request.uri.path)
                problem.allowedMethods = allowed
            }
            if problem.status >= 500 {
                logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            }
            var response = problem.response()
            if problem.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
            if !problem.allowedMethods.isEmpty { response.headers[.allow] = problem.allowedMethods.joined(separator: ", ") }
            return response
        }
    }

    static func problem(for error: any Error, path: String) -> Problem {
        switch error {
        case let problem as Problem:
            var problem = problem
            problem.instance = problem.instance ?? path
            return problem
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, "the body is larger than \(ServerLimits.maximumBodyBytes) bytes; a job document is a few KiB", instance: path)
        case let error as HTTPError:
            let detail: String =
                switch error.status {
                case .contentTooLarge: "the body is larger than \(ServerLimits.maximumBodyBytes) bytes; a job document is a few KiB"
                case .notFound: "no route \(path); /openapi.json lists the API"
                case .methodNotAllowed: "this path does not take that method; /openapi.json lists the API"
                default: error.body ?? error.status.reasonPhrase
                }
            return Problem(error.status, detail, instance: path)
        case let error as IngestError:
            switch error {
            case .jobNotFound: return Problem(.notFound, "\(error)", instance: path)
            case .jobAlreadyActive, .jobStopping, .refused: return Problem(.conflict, "\(error)", instance: path)
            default: break
            }
        default:
            break
        }
        if IngestRuntime.isUsageError(error) || error is JobKindError || error is ConfigurationError {
            return Problem(.badRequest, "\(error)", instance: path)
        }
        return Problem(.internalServerError, "\(error)", instance: path)
    }
}

/// The methods each route takes, so that a known path asked with another method gets 405 and
/// `Allow` (HTTP's rule) rather than a 404.
struct RouteTable: Sendable {
    private let templates: [(segments: [String], methods: [String])]

    init(_ routes: [(path: String, method: String)]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath[route.path, default: []].insert(route.method) }
        templates = byPath.map { path, methods in
            var allowed = methods
            if allowed.contains("GET") { allowed.insert("HEAD") }
            return (path.split(separator: "/").map(String.init), allowed.sorted())
        }
    }

    func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/").map(String.init)
        var found: Set<String> = []
        for template in templates where template.segments.count == segments.count {
            let matches = zip(template.segments, segments).allSatisfy { pattern, segment in
                pattern.hasPrefix("{") || pattern.hasPrefix(":") || pattern == "*" || pattern == segment
            }
            if matches { found.formUnion(template.methods) }
        }
        return found.sorted()
    }
}
