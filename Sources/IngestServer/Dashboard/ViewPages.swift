import Foundation
import Hummingbird
import IngestCore
import IngestEngine
import IngestRuntime

/// A page of a list the runtime returns whole (queues, workers, a collection): `?cursor=` is an
/// offset, `?limit=` the page size, so the browser never gets more than one page of rows.
struct OffsetPage<Item> {
    var items: [Item]
    var offset: Int
    var limit: Int
    var total: Int

    init(_ all: [Item], request: Request) {
        offset = Dashboard.offset(request)
        limit = Dashboard.limit(request)
        total = all.count
        let end = min(all.count, offset + limit)
        items = offset < all.count ? Array(all[offset..<end]) : []
    }

    init(items: [Item], offset: Int, limit: Int, total: Int) {
        (self.items, self.offset, self.limit, self.total) = (items, offset, limit, total)
    }

    /// First, previous and next links, keeping `extra` query items (such as the catalog's path).
    func pager(_ path: String, _ extra: [(String, String?)] = []) -> HTML {
        let size: String? = limit == Dashboard.defaultPageSize ? nil : String(limit)
        func url(_ offset: Int) -> String {
            DashboardURL.with(path, extra + [("cursor", offset > 0 ? String(offset) : nil), ("limit", size)])
        }
        var links: [HTML] = []
        if offset > 0 {
            links.append("<a href=\"\(url(0))\" rel=\"first\">« First page</a>")
            links.append("<a href=\"\(url(max(0, offset - limit)))\" rel=\"prev\">‹ Previous</a>")
        }
        if offset + limit < total { links.append("<a href=\"\(url(offset + limit))\" rel=\"next\">Next page »</a>") }
        let range: HTML = total == 0 ? "" : "<span class=\"muted\">\(min(offset + 1, total))–\(min(offset + items.count, total)) of \(Format.count(Int64(total)))</span>"
        return "<nav class=\"pager\">\(range)\(links)</nav>"
    }
}

/// `/queues` for a browser: each queue's depth (ready tasks), blocked, running and failed tasks
/// across jobs, the live workers that listen to it and the jobs with tasks on it.
enum QueuesPage {
    static func response(_ queues: [QueueSummary], request: Request, context: ServerContext) -> Response {
        let page = OffsetPage(queues, request: request)
        let rows: [HTML] = page.items.map { queue in
            let jobs: [HTML] = queue.jobs.prefix(10).enumerated().map { index, job in
                "\(index > 0 ? ", " : "")<a href=\"\(DashboardURL.job(job))\">\(job)</a>"
            }
            return """
                <tr><td>\(queue.queue)</td><td class="num">\(Format.count(queue.ready))</td><td class="num">\(Format.count(queue.blocked))</td>\
                <td class="num">\(Format.count(queue.running))</td><td class="num">\(Format.count(queue.failed))</td>\
                <td class="num">\(queue.workers == 0 && queue.ready > 0 ? HTML("<strong title=\"no live worker listens to this queue\">0</strong>") : "\(queue.workers)")</td>\
                <td>\(jobs)\(queue.jobs.count > 10 ? HTML(" and \(queue.jobs.count - 10) more") : "")</td></tr>

                """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">No queues yet: a queue appears with the first task put on it.</p>"
            : """
            <table><thead><tr><th>Queue</th><th class="num">Depth</th><th class="num">Blocked</th><th class="num">Running</th><th class="num">Failed</th>\
            <th class="num">Workers</th><th>Jobs</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let body: HTML = """
            <h1>Queues</h1>
            <div id="queues">
            \(table)
            \(page.pager("/queues"))
            </div>
            """
        return DashboardPage(title: "Queues", section: .queues, role: context.role, body: body).response()
    }
}

/// `/workers` for a browser: each live worker, where it runs, what it listens to, how long ago it
/// last reported and its tasks.
enum WorkersPage {
    static func response(_ workers: [WorkerSummary], request: Request, context: ServerContext, now: Timestamp = currentTimestamp()) -> Response {
        let page = OffsetPage(workers, request: request)
        let rows: [HTML] = page.items.map { worker in
            let queues = worker.queues.isEmpty ? "every queue" : worker.queues.joined(separator: ", ")
            let age = max(0, now - worker.lastHeartbeat)
            return """
                <tr><td class="key">\(worker.id)</td><td>\(worker.host)</td><td class="num">\(worker.pid)</td><td>\(queues)</td>\
                <td class="num" title="\(worker.lastHeartbeatAt)">\(Format.duration(age)) ago</td>\
                <td class="num">\(worker.tasksRunning) / \(worker.concurrency)</td><td class="num">\(Format.count(Int64(worker.tasksDone)))</td>\
                <td>\(worker.startedAt)</td></tr>

                """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">No live workers: start one with <code>ingest worker</code> or <code>ingest serve --worker</code>.</p>"
            : """
            <table><thead><tr><th>Worker</th><th>Host</th><th class="num">PID</th><th>Queues</th><th class="num">Heartbeat</th>\
            <th class="num">Running</th><th class="num">Done</th><th>Started</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let body: HTML = """
            <h1>Workers</h1>
            <div id="workers">
            \(table)
            \(page.pager("/workers"))
            </div>
            """
        return DashboardPage(title: "Workers", section: .workers, role: context.role, body: body).response()
    }
}

/// `/catalog?path=`: a collection's entries a page at a time, or a data object with its
/// replicas and metadata.
struct CatalogPage {
    var path: String
    var entries: [CatalogEntrySummary] = []
    var offset = 0
    var limit = Dashboard.defaultPageSize
    var total = 0
    var collection: CollectionSummary?
    var object: DataObjectSummary?

    static func url(_ path: String) -> String {
        DashboardURL.with("/catalog", [("path", path)])
    }

    func render() -> HTML {
        """
        <h1>Catalog</h1>
        <div class="crumbs">\(crumbs())</div>
        \(object.map(objectView) ?? collectionView())
        """
    }

    /// Each ancestor of the path as a link: `/ › tempZone › home`.
    private func crumbs() -> HTML {
        var links: [HTML] = ["<a href=\"\(Self.url("/"))\">/</a>"]
        var current = ""
        for component in path.split(separator: "/") {
            current += "/\(component)"
            links.append(" › <a href=\"\(Self.url(current))\">\(component)</a>")
        }
        return "\(links)"
    }

    private func collectionView() -> HTML {
        let page = OffsetPage(items: entries, offset: offset, limit: limit, total: total)
        let rows: [HTML] = entries.map { entry in
            let name = entry.path.split(separator: "/").last.map { String($0) } ?? entry.path
            let isCollection = entry.kind == "collection"
            return """
                <tr><td class="name"><a href="\(Self.url(entry.path))">\(name)\(isCollection ? "/" : "")</a></td><td>\(isCollection ? "collection" : "data object")</td>\
                <td class="num">\(entry.size.map { Format.bytes($0) } ?? "")</td><td>\(entry.mtime ?? "")</td>\
                <td class="num">\(entry.replicaCount.map { "\($0)" } ?? "")</td></tr>

                """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">This collection is empty.</p>"
            : """
            <table><thead><tr><th>Name</th><th>Kind</th><th class="num">Size</th><th>Modified</th><th class="num">Replicas</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        return """
            \(collection.map { metadata($0.metadata) } ?? "")
            \(table)
            \(page.pager("/catalog", [("path", path)]))
            """
    }

    private func objectView(_ object: DataObjectSummary) -> HTML {
        let replicas: [HTML] = object.replicas.map { replica in
            """
            <tr><td class="num">\(replica.number)</td><td>\(replica.resource)</td><td class="key">\(replica.physicalPath)</td>\
            <td class="num">\(Format.bytes(replica.size))</td><td>\(replica.checksum ?? "")</td><td>\(replica.status)</td><td>\(replica.modifiedAt)</td></tr>

            """
        }
        return """
            <div class="card"><dl class="facts">
            <dt>Data object</dt><dd>\(object.path)</dd>
            <dt>Size</dt><dd>\(Format.bytes(object.size)) (\(Format.count(object.size)) bytes)</dd>
            <dt>Modified</dt><dd>\(object.mtime)</dd>
            <dt>Checksum</dt><dd>\(object.checksum ?? "none")</dd>
            <dt>Registered</dt><dd>\(object.createdAt)</dd>
            </dl></div>
            <h2>Replicas (\(object.replicas.count))</h2>
            <table><thead><tr><th class="num">#</th><th>Resource</th><th>Physical path</th><th class="num">Size</th><th>Checksum</th><th>Status</th><th>Modified</th></tr></thead>
            <tbody>\(replicas)</tbody></table>
            \(metadata(object.metadata))
            """
    }

    private func metadata(_ triples: [MetadataTriple]) -> HTML {
        guard !triples.isEmpty else { return "" }
        let rows: [HTML] = triples.map { "<tr><td>\($0.attribute)</td><td>\($0.value)</td><td>\($0.units)</td></tr>" }
        return """
            <h2>Metadata (\(triples.count))</h2>
            <table><thead><tr><th>Attribute</th><th>Value</th><th>Units</th></tr></thead><tbody>\(rows)</tbody></table>
            """
    }
}
