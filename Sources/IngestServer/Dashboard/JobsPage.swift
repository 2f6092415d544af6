import Foundation
import IngestCore
import IngestEngine
import IngestRuntime

/// `/`: one page of jobs by name, optionally of one state, with their progress, rate and ETA.
struct JobsPage {
    var jobs: [JobSummary]
    var paces: [String: JobPace]
    var layers: [String: GraphStatus]
    var state: JobState?
    var cursor: String?
    var next: String?
    var limit: Int

    func render() -> HTML {
        var filters: [HTML] = [link("all", state: nil)]
        filters += JobState.allCases.map { link($0.rawValue, state: $0) }
        let rows: [HTML] = jobs.map { job in JobsPage.row(job, pace: paces[job.name], layers: layers[job.name]) }
        let empty: HTML = state.map { "No \($0.rawValue) jobs." } ?? "No jobs yet: submit one with <code>PUT /job</code> or <code>ingest start</code>."
        let body: HTML =
            rows.isEmpty && cursor == nil
            ? "<p class=\"empty\">\(empty)</p>"
            : """
            <table class="jobs">
            <thead><tr><th>Name</th><th>Kind</th><th>State</th><th>Progress</th><th class="num">Rate</th><th class="num">ETA</th><th class="num">Failed</th><th class="num">Elapsed</th></tr></thead>
            <tbody>\(rows)</tbody>
            </table>
            """
        return """
            <h1>Jobs</h1>
            <div class="filters" aria-label="Filter by state">\(filters)</div>
            <div id="jobs">
            \(body)
            \(pager())
            </div>
            """
    }

    private func url(state: JobState?, cursor: String?) -> String {
        DashboardURL.with("/", [("state", state?.rawValue), ("cursor", cursor), ("limit", limit == Dashboard.defaultPageSize ? nil : String(limit))])
    }

    private func link(_ title: String, state: JobState?) -> HTML {
        "<a href=\"\(url(state: state, cursor: nil))\"\(state == self.state ? HTML(" class=\"active\"") : "")>\(title)</a>"
    }

    private func pager() -> HTML {
        var links: [HTML] = []
        if cursor != nil { links.append("<a href=\"\(url(state: state, cursor: nil))\" rel=\"first\">« First page</a>") }
        if let next { links.append("<a href=\"\(url(state: state, cursor: next))\" rel=\"next\">Next page »</a>") }
        return links.isEmpty ? "" : "<nav class=\"pager\">\(links)</nav>"
    }

    static func row(_ job: JobSummary, pace: JobPace?, layers: GraphStatus?) -> HTML {
        let progress: HTML = pace.map { Self.progress(job, pace: $0, layers: layers) } ?? ""
        let elapsed = job.status.state == .queued || job.status.state == .waiting ? "—" : Format.duration(job.elapsedSeconds)
        return """
            <tr><td class="name"><a href="\(DashboardURL.job(job.name))">\(job.name)</a><div class="muted">\(job.description)</div></td>\
            <td>\(job.kind)</td><td>\(state(job.state))</td><td>\(progress)</td>\
            <td class="num">\(pace.map(rate) ?? "—")</td><td class="num">\(pace.map { eta($0, state: job.status.state) } ?? "—")</td>\
            <td class="num">\(job.tasksFailed > 0 ? HTML("<a href=\"\(DashboardURL.job(job.name))#failed\">\(Format.count(job.tasksFailed))</a>") : "0")</td>\
            <td class="num">\(elapsed)</td></tr>

            """
    }

    static func state(_ state: String) -> HTML {
        "<span class=\"state state-\(state)\">\(state)</span>"
    }

    /// A graph's layers, else a bar of entries; a periodic job between passes says when the next one starts.
    static func progress(_ job: JobSummary, pace: JobPace, layers: GraphStatus?) -> HTML {
        guard job.status.state != .waiting else {
            let last = job.lastPass.map { "pass \($0.pass) \($0.state); " } ?? ""
            return "<span class=\"label\">\(last)next pass at \(job.nextRunAt ?? "its scheduled time")</span>"
        }
        return layers.map(layerBars) ?? bar(pace, state: job.status.state)
    }

    /// One bar of entries (or tasks) done of those seen; a `+` marks a total still growing.
    static func bar(_ pace: JobPace, state: JobState) -> HTML {
        let percent = Int((pace.fraction * 100).rounded(.down))
        let style = state == .completed ? " class=\"done\"" : state == .failed ? " class=\"failed\"" : ""
        let label = "\(Format.count(pace.done)) / \(Format.count(pace.total))\(pace.totalIsFinal ? "" : "+") \(pace.unit.rawValue) (\(percent)%)"
        return """
            <div class="bar"><progress\(HTML(trusted: style)) max="\(max(pace.total, 1))" value="\(min(pace.done, max(pace.total, 1)))" \
            aria-label="\(label)">\(percent)%</progress><span class="label">\(label)</span></div>
            """
    }

    /// A graph build's layers, each chunks completed of the layer's total (what `ingest status` prints).
    static func layerBars(_ status: GraphStatus) -> HTML {
        let rows: [HTML] = status.layers.map { layer in
            let label = "\(Format.count(layer.completed)) / \(Format.count(Int64(layer.total)))" + (layer.failed > 0 ? ", \(Format.count(layer.failed)) failed" : "")
            return """
                <span class="layer">layer \(layer.layer)</span><div class="bar"><progress\(layer.failed > 0 ? HTML(" class=\"failed\"") : layer.completed >= Int64(layer.total) ? HTML(" class=\"done\"") : "") \
                max="\(max(layer.total, 1))" value="\(min(layer.completed, Int64(max(layer.total, 1))))" aria-label="layer \(layer.layer): \(label)"></progress>\
                <span class="label">\(label)</span></div>
                """
        }
        return "<div class=\"layers\">\(rows)</div>"
    }

    static func rate(_ pace: JobPace) -> HTML {
        guard let rate = pace.rate else { return "—" }
        return "\(rate >= 10 ? Format.count(Int64(rate.rounded())) : String(format: "%.1f", rate)) \(pace.unit.rawValue)/s"
    }

    static func eta(_ pace: JobPace, state: JobState) -> HTML {
        if state.isTerminal { return "done" }
        if state == .waiting { return "—" }
        if !pace.totalIsFinal { return "<span title=\"the total grows while directories are listed\">listing…</span>" }
        return pace.secondsLeft.map { "\(Format.duration($0))" } ?? "—"
    }
}
