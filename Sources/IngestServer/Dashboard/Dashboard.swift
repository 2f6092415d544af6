import Foundation
import Hummingbird
import IngestCore
import IngestEngine
import IngestGraph
import IngestRuntime
import Logging

/// The web dashboard: server-rendered pages over the same runtime views as the JSON API (jobs,
/// one job with its passes and failures, queues, workers, the catalog), forms that stop and
/// requeue, and one small script that refreshes the live parts. Every list is one page read from
/// the broker, so a page costs the same with a million failures as with none.
///
/// `/queues` and `/workers` are also JSON routes: `ViewRoutes` answers a browser (`Accept:
/// text/html`) with the page from `QueuesPage` and `WorkersPage`.
struct Dashboard: Sendable {
    let runtime: IngestRuntime
    let broker: any Broker
    let catalog: any Catalog
    let logger: Logger

    static let defaultPageSize = 50

    /// Whether the request is a browser's: it lists `text/html` among what it accepts.
    static func prefersHTML(_ request: Request) -> Bool {
        request.headers[values: .accept].contains { $0.contains("text/html") }
    }

    /// `?limit=` of a page, kept within `ServerLimits` rather than refused: a link edited by hand
    /// still shows a page.
    static func limit(_ request: Request) -> Int {
        let asked = request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? defaultPageSize
        return min(max(1, asked), ServerLimits.maximumPageSize)
    }

    /// `?NAME=N` as an offset into a list held in memory (queues, workers, a collection, passes).
    static func offset(_ request: Request, _ name: String = "cursor") -> Int {
        max(0, request.uri.queryParameters.get(name).flatMap { Int($0) } ?? 0)
    }

    func register(on router: Router<ServerContext>) {
        DashboardAssets.register(on: router)
        router.get("/") { request, context in try await jobsPage(request, context: context) }
        router.get("jobs/{name}") { request, context in try await jobPage(request, context: context) }
        router.post("jobs/{name}/stop") { request, context in try await stop(request, context: context) }
        router.post("jobs/{name}/requeue") { request, context in try await requeue(request, context: context) }
        router.get("jobs/{name}/timeline") { request, context in try await timeline(request, context: context) }
        router.get("catalog") { request, context in try await catalogPage(request, context: context) }
    }

    // MARK: - Jobs

    private func jobsPage(_ request: Request, context: ServerContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        let state = parameters.get("state").flatMap { JobState(rawValue: String($0)) }
        let cursor = parameters.get("cursor").map { String($0) }
        let limit = Self.limit(request)
        let (jobs, next) = try await runtime.jobSummaries(broker: broker, after: cursor, limit: limit, state: state)
        var paces: [String: JobPace] = [:]
        var layers: [String: GraphStatus] = [:]
        for job in jobs {
            paces[job.name] = JobPace(job, totalIsFinal: runtime.kinds.report(job.status).totalIsFinal)
            if let spec = GraphSpec.decode(from: job.status) {
                layers[job.name] = GraphStatus(status: job.status, spec: spec, queues: try await broker.queueCounts(job: job.name))
            }
        }
        let page = JobsPage(jobs: jobs, paces: paces, layers: layers, state: state, cursor: cursor, next: next, limit: limit)
        return DashboardPage(title: "Jobs", section: .jobs, role: context.role, body: page.render()).response()
    }

    private func jobPage(_ request: Request, context: ServerContext) async throws -> Response {
        let name = try context.jobName()
        guard let status = try await broker.job(named: name) else {
            return DashboardPage.problem(.notFound, "No job is named \(name).", section: .jobs, role: context.role)
        }
        // Counting a job's tasks by queue reads every task it holds (with a million failures, about
        // 200 ms on SQLite), so it is done only where the counts change the page: a job still queued
        // or running (its kind's report, the queues no worker listens to) and a graph (its layers).
        // One reading then serves all of them; an ended job's failures are its counter.
        let graph = GraphSpec.decode(from: status)
        let active = status.state == .queued || status.state == .running
        let queues = active || graph != nil ? try await broker.queueCounts(job: name) : nil
        let report = runtime.kinds.report(status, queues: queues ?? [:])
        var summary = JobSummary(status, report: report)
        if active, let queues {
            let workers = try await broker.liveWorkers()
            summary.queuesWithoutWorkers = queues.filter { $0.value.ready > 0 }.keys.filter { queue in !workers.contains { $0.serves(queue) } }.sorted()
        }
        let after = request.uri.queryParameters.get("failed_cursor").flatMap { Int64($0) }
        let failed = try await runtime.failedEntryPage(job: name, after: after, limit: Self.limit(request), broker: broker)
        let passes = status.schedule != nil || status.pass > 1 ? try await runtime.history(job: name, broker: broker) : []
        let page = JobPage(
            summary: summary, report: report, pace: JobPace(summary, totalIsFinal: report.totalIsFinal),
            layers: graph.map { GraphStatus(status: status, spec: $0, queues: queues ?? [:]) },
            queues: queues, failed: failed, failedCursor: after, passes: passes, passOffset: Self.offset(request, "passes"),
            hasTimeline: profilePath(job: name).map { FileManager.default.fileExists(atPath: $0) } ?? false,
            canOperate: context.role == .operate)
        return DashboardPage(
            title: name, section: .jobs, role: context.role, flash: DashboardPage.Flash(request, job: name), body: page.render()
        ).response()
    }

    /// The form's Stop: cancels the queued tasks (as `DELETE /job/{name}`) and goes back to the job.
    private func stop(_ request: Request, context: ServerContext) async throws -> Response {
        let name = try context.jobName()
        guard try await broker.job(named: name) != nil else {
            return DashboardPage.problem(.notFound, "No job is named \(name).", section: .jobs, role: context.role)
        }
        _ = try await broker.stop(job: name)
        logger.info("job stopped from the dashboard", metadata: ["ingest.job": "\(name)"])
        return .redirect(to: DashboardURL.with(DashboardURL.job(name), [("flash", "stopped")]), type: .normal)
    }

    /// The form's Requeue: puts the job's failed tasks back on their queues (as
    /// `POST /job/{name}/requeue`) and goes back to the job, saying how many.
    private func requeue(_ request: Request, context: ServerContext) async throws -> Response {
        let name = try context.jobName()
        guard try await broker.job(named: name) != nil else {
            return DashboardPage.problem(.notFound, "No job is named \(name).", section: .jobs, role: context.role)
        }
        let count = try await broker.requeueFailed(job: name, queue: nil)
        logger.info("failed tasks requeued from the dashboard", metadata: ["ingest.job": "\(name)", "tasks": "\(count)"])
        return .redirect(to: DashboardURL.with(DashboardURL.job(name), [("flash", "requeued"), ("count", String(count))]), type: .normal)
    }

    /// Where `ingest start --profile` writes the job's profile by default; nil for a name that
    /// is not one file name. A profile written elsewhere (`--profile_filename`) is not found:
    /// the broker does not say where a job's profile goes.
    private func profilePath(job: String) -> String? {
        guard !job.contains("/"), job != ".", job != ".." else { return nil }
        return runtime.settings.defaultProfilePath(job: job)
    }

    /// The worker timeline of the job's profile: `ingest profile --html`'s page, which carries
    /// its own inline style (hence its own content security policy) and no script.
    private func timeline(_ request: Request, context: ServerContext) async throws -> Response {
        let name = try context.jobName()
        guard try await broker.job(named: name) != nil else {
            return DashboardPage.problem(.notFound, "No job is named \(name).", section: .jobs, role: context.role)
        }
        guard let path = profilePath(job: name), FileManager.default.fileExists(atPath: path) else {
            return DashboardPage.problem(
                .notFound, "Job \(name) has no profile here: start it with `ingest start --profile` to record one.", section: .jobs, role: context.role)
        }
        let records = try ProfileReport.read(path: path)
        let html = ProfileReport.html(records, title: "Worker timeline of job \(name)")
        return DashboardPage.response(HTML(trusted: html), contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
    }

    // MARK: - Catalog

    private func catalogPage(_ request: Request, context: ServerContext) async throws -> Response {
        let given = request.uri.queryParameters.get("path").map { String($0) } ?? "/"
        let path: String
        if given == "/" || given.isEmpty {
            path = "/"
        } else {
            switch LogicalPath.normalize(given) {
            case .success(let normalized): path = normalized
            case .failure(let error):
                return DashboardPage.problem(.badRequest, "\(error)", section: .catalog, role: context.role)
            }
        }
        let kind = try await catalog.kind(of: path)
        var page = CatalogPage(path: path)
        if kind == .dataObject, let object = try await catalog.dataObject(at: path) {
            page.object = DataObjectSummary(object)
        } else if kind == .collection || path == "/" {
            let entries = try await catalog.list(collection: path)
            let offset = Self.offset(request)
            let limit = Self.limit(request)
            let end = min(entries.count, offset + limit)
            page.entries = offset < entries.count ? entries[offset..<end].map(CatalogEntrySummary.init) : []
            page.offset = offset
            page.limit = limit
            page.total = entries.count
            if path != "/", let collection = try await catalog.collection(at: path) { page.collection = CollectionSummary(collection) }
        } else {
            return DashboardPage.problem(.notFound, "Nothing in the catalog at \(path).", section: .catalog, role: context.role)
        }
        return DashboardPage(title: "Catalog \(path)", section: .catalog, role: context.role, body: page.render(), live: false).response()
    }
}
