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

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, path: request.uri.path)
            if problem.status >= 500 {
                logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)"])
            }
            var response = problem.response()
            if problem.status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
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
            case .jobAlreadyActive, .jobStopping: return Problem(.conflict, "\(error)", instance: path)
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
