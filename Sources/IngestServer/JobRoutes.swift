import Foundation
import Hummingbird
import Logging
import IngestCore
import IngestRuntime

/// iRODS automated ingest's job API (`PUT /job[/{name}]`, `GET /job[/{name}]`, `DELETE /job/{name}`)
/// and what goes with a job: its passes, failed entries, requeue and graph layers.
struct JobRoutes: Sendable {
    let runtime: IngestRuntime
    let broker: any Broker
    let resources: JobResources
    let logger: Logger

    /// What `PUT /job` answers: the job as queued, and the keys it took but ignores.
    struct Submitted: Encodable {
        var job: JobSummary
        var ignoredKeys: [String]
        /// Said when a job of that name had ended: its counters and failures were dropped.
        @Nullable var replaced: String?
    }

    struct JobPage: Encodable {
        var jobs: [JobSummary]
        @Nullable var nextCursor: String?
    }

    struct Requeued: Encodable {
        var job: String
        var requeued: Int
    }

    func register(on router: Router<ServerContext>) {
        router.put("job") { request, context in try await submit(request, context: context, name: nil) }
        router.put("job/{name}") { request, context in
            try await submit(request, context: context, name: try context.jobName())
        }
        router.get("job") { request, _ in
            let page = try Paging(request)
            let state = try request.uri.queryParameters.get("state").map { text -> JobState in
                guard let state = JobState(rawValue: String(text)) else {
                    throw Problem(.badRequest, "state '\(text)' is not one of \(JobState.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return state
            }
            let kind = request.uri.queryParameters.get("kind")
            let (jobs, next) = try await runtime.jobSummaries(broker: broker, after: page.cursor, limit: page.limit, state: state, kind: kind)
            return JSONBody.response(JobPage(jobs: jobs, nextCursor: next))
        }
        router.get("job/{name}") { _, context in
            JSONBody.response(try await runtime.jobSummary(named: try context.jobName(), broker: broker))
        }
        router.delete("job/{name}") { _, context in
            let name = try context.jobName()
            guard try await broker.job(named: name) != nil else { throw IngestError.jobNotFound(name) }
            _ = try await broker.stop(job: name)
            logger.info("job stopped through the API", metadata: ["ingest.job": "\(name)"])
            return JSONBody.response(try await runtime.jobSummary(named: name, broker: broker))
        }
        router.get("job/{name}/passes") { _, context in
            JSONBody.response(try await runtime.history(job: try context.jobName(), broker: broker))
        }
        router.get("job/{name}/failed") { request, context in
            let name = try context.jobName()
            guard try await broker.job(named: name) != nil else { throw IngestError.jobNotFound(name) }
            let page = try Paging(request)
            let after = try page.cursor.map { text -> Int64 in
                guard let id = Int64(text) else { throw Problem(.badRequest, "cursor '\(text)' is not one this API gave; start without it") }
                return id
            }
            let order: FailedOrder
            switch request.uri.queryParameters.get("order") ?? "oldest" {
            case "oldest": order = .oldestFirst
            case "newest": order = .newestFirst
            case let other: throw Problem(.badRequest, "order '\(other)' is not one of oldest, newest")
            }
            return JSONBody.response(try await runtime.failedEntryPage(job: name, after: after, limit: page.limit, order: order, broker: broker))
        }
        router.post("job/{name}/requeue") { _, context in
            let name = try context.jobName()
            guard try await broker.job(named: name) != nil else { throw IngestError.jobNotFound(name) }
            let count = try await broker.requeueFailed(job: name, queue: nil)
            logger.info("failed tasks requeued through the API", metadata: ["ingest.job": "\(name)", "tasks": "\(count)"])
            return JSONBody.response(Requeued(job: name, requeued: count))
        }
        router.get("job/{name}/layers") { _, context in
            JSONBody.response(try await runtime.graphStatus(named: try context.jobName(), broker: broker))
        }
    }

    private func submit(_ request: Request, context: ServerContext, name: String?) async throws -> Response {
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        var document = try SubmitDocument(body: Data(buffer: body), contentType: request.headers[.contentType])
        let (jobRequest, ignored) = try document.jobRequest(name: name)
        let earlier = try await broker.job(named: jobRequest.name)
        try await runtime.submit(jobRequest, broker: broker, resources: resources)
        logger.info("job queued through the API", metadata: ["ingest.job": "\(jobRequest.name)", "kind": "\(jobRequest.kind)"])
        let replaced = earlier.flatMap { $0.state.isTerminal ? "the ended job of that name (\($0.state.rawValue)); its counters and failed entries were dropped" : nil }
        var response = JSONBody.response(
            Submitted(job: try await runtime.jobSummary(named: jobRequest.name, broker: broker), ignoredKeys: ignored, replaced: replaced),
            status: .created)
        response.headers[.location] = "/job/\(jobRequest.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? jobRequest.name)"
        return response
    }
}

/// `?limit=N&cursor=C` of a list: at most `ServerLimits.maximumPageSize` per page.
struct Paging {
    var limit: Int
    var cursor: String?

    init(_ request: Request) throws {
        let parameters = request.uri.queryParameters
        if let text = parameters.get("limit") {
            guard let limit = Int(text), (1...ServerLimits.maximumPageSize).contains(limit) else {
                throw Problem(.badRequest, "limit '\(text)' must be a whole number from 1 to \(ServerLimits.maximumPageSize)")
            }
            self.limit = limit
        } else {
            limit = ServerLimits.defaultPageSize
        }
        cursor = parameters.get("cursor")
    }
}
