import Foundation
import IngestCore
import IngestEngine
import IngestRuntime

/// `/jobs/{name}`: a job's state, progress and counters, its queues, the passes of a periodic
/// job, its failed entries one page at a time with their errors, and the Stop and Requeue forms.
struct JobPage {
    var summary: JobSummary
    var report: JobReport
    var pace: JobPace
    var layers: GraphStatus?
    /// The job's tasks by queue; nil for an ended job, whose counts were not read (see `Dashboard.jobPage`).
    var queues: [String: QueueCounts]?
    var failed: FailedEntryPage
    var failedCursor: Int64?
    var passes: [PassSummary]
    var passOffset: Int
    var hasTimeline: Bool
    var canOperate: Bool

    static let passesPerPage = 20

    private var status: JobStatus { summary.status }
    private var jobURL: String { DashboardURL.job(summary.name) }
    /// Failed tasks in the registry: counted by queue when the queues were read, else the job's
    /// `tasks.failed` counter (requeueing takes it down again).
    private var failedCount: Int64 { queues.map { $0.values.reduce(0) { $0 + $1.failed } } ?? status.tasksFailed }

    func render() -> HTML {
        """
        <div class="crumbs"><a href="/">Jobs</a> ›</div>
        <h1>\(summary.name) \(JobsPage.state(summary.state))</h1>
        <p class="muted">\(summary.kind) job: \(summary.description)</p>
        \(actions())
        <div class="card">\(JobsPage.progress(summary, pace: pace, layers: layers))</div>
        <div class="grid2">
        <div class="card"><dl class="facts">\(facts())</dl></div>
        <div class="card"><table class="counters"><thead><tr><th>Counter</th><th class="num">Value</th></tr></thead><tbody>\(counters())</tbody></table></div>
        </div>
        \(queueTable())
        \(passTable())
        <h2 id="failed">Failed entries (\(Format.count(failedCount)))</h2>
        \(failedTable())
        \(hasTimeline ? HTML("<h2>Worker timeline</h2><p><a href=\"\(jobURL)/timeline\">Open the worker timeline of this job's profile</a></p>") : "")
        """
    }

    /// Stop for a job that has not ended, Requeue for one with failed tasks; a read-only token sees
    /// them disabled (the server refuses the post anyway).
    private func actions() -> HTML {
        var forms: [HTML] = []
        let disabled: HTML = canOperate ? "" : " disabled title=\"needs a token with role operate\""
        if failedCount > 0 || !failed.entries.isEmpty {
            forms.append("""
                <form method="post" action="\(jobURL)/requeue"><button class="primary" type="submit" name="requeue"\(disabled)>Requeue failed</button></form>
                """)
        }
        if !status.state.isTerminal {
            forms.append("""
                <form method="post" action="\(jobURL)/stop" data-confirm="Stop job \(summary.name)? Its queued tasks are cancelled."><button class="danger" type="submit" name="stop"\(disabled)>Stop</button></form>
                """)
        }
        if !canOperate && !forms.isEmpty { forms.append("<span class=\"muted\">read-only token: stopping and requeueing need role operate</span>") }
        return forms.isEmpty ? "" : "<div class=\"actions\">\(forms)</div>"
    }

    private func facts() -> HTML {
        var items: [(String, HTML)] = [
            ("State", "\(summary.state)"),
            ("Created", "\(summary.createdAt)"),
            ("Started", "\(summary.startedAt ?? "not yet")"),
        ]
        if let finishedAt = summary.finishedAt { items.append(("Finished", "\(finishedAt)")) }
        items.append(("Elapsed", "\(Format.duration(summary.elapsedSeconds))"))
        items.append(("Rate", JobsPage.rate(pace)))
        items.append(("ETA", JobsPage.eta(pace, state: status.state)))
        items.append(("Tasks", "\(Format.count(summary.tasksTotal)) queued, \(Format.count(summary.tasksRemaining)) left, \(Format.count(summary.tasksRunning)) running, \(Format.count(summary.tasksFailed)) failed, \(Format.count(summary.tasksRetried)) retried"))
        items.append(("Entries", "\(Format.count(summary.entriesDone)) done of \(Format.count(max(summary.entriesSeen, summary.entriesDone))) seen\(report.totalIsFinal ? "" : " (still listing)")"))
        items.append(("Bytes", "\(Format.bytes(summary.bytesDone))"))
        if let schedule = summary.schedule {
            items.append(("Schedule", "\(schedule)"))
            items.append(("Pass", "\(summary.pass)"))
        }
        if let nextRunAt = summary.nextRunAt { items.append(("Next pass", "\(nextRunAt)")) }
        for detail in report.details { items.append((detail.name, "\(detail.value)")) }
        if !summary.queuesWithoutWorkers.isEmpty {
            items.append(("Waiting", "no live worker listens to \(summary.queuesWithoutWorkers.joined(separator: ", "))"))
        }
        let rows: [HTML] = items.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }
        return "\(rows)"
    }

    private func counters() -> HTML {
        let rows: [HTML] = summary.counters.sorted { $0.key < $1.key }.map { "<tr><td>\($0.key)</td><td class=\"num\">\(Format.count($0.value))</td></tr>" }
        return rows.isEmpty ? "<tr><td colspan=\"2\" class=\"empty\">none yet</td></tr>" : "\(rows)"
    }

    private func queueTable() -> HTML {
        guard let queues, !queues.isEmpty else { return "" }
        let rows: [HTML] = queues.sorted { $0.key < $1.key }.map { queue, counts in
            """
            <tr><td>\(queue)</td><td class="num">\(Format.count(counts.ready))</td><td class="num">\(Format.count(counts.blocked))</td>\
            <td class="num">\(Format.count(counts.running))</td><td class="num">\(Format.count(counts.failed))</td></tr>
            """
        }
        return """
            <h2>Queues of this job</h2>
            <table><thead><tr><th>Queue</th><th class="num">Ready</th><th class="num">Blocked</th><th class="num">Running</th><th class="num">Failed</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
    }

    /// The ended passes of a periodic job, newest first, a page at a time.
    private func passTable() -> HTML {
        guard !passes.isEmpty || status.schedule != nil else { return "" }
        let newestFirst = Array(passes.reversed())
        let end = min(newestFirst.count, passOffset + Self.passesPerPage)
        let shown = passOffset < newestFirst.count ? Array(newestFirst[passOffset..<end]) : []
        let rows: [HTML] = shown.map { pass in
            """
            <tr><td class="num">\(pass.pass)</td><td>\(JobsPage.state(pass.state))</td><td>\(pass.startedAt)</td><td class="num">\(Format.duration(pass.elapsedSeconds))</td>\
            <td class="num">\(Format.count(pass.entriesCreated))</td><td class="num">\(Format.count(pass.entriesUpdated))</td>\
            <td class="num">\(Format.count(pass.entriesUnchanged))</td><td class="num">\(Format.count(pass.entriesSkipped))</td>\
            <td class="num">\(Format.count(pass.entriesDeleted))</td><td class="num">\(Format.count(pass.entriesFailed))</td></tr>
            """
        }
        var pager: [HTML] = []
        if passOffset > 0 { pager.append("<a href=\"\(DashboardURL.with(jobURL, [("passes", String(max(0, passOffset - Self.passesPerPage)))]))#passes\" rel=\"prev\">« Newer passes</a>") }
        if end < newestFirst.count { pager.append("<a href=\"\(DashboardURL.with(jobURL, [("passes", String(end))]))#passes\" rel=\"next\">Older passes »</a>") }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">No pass has ended yet.</p>"
            : """
            <table><thead><tr><th class="num">Pass</th><th>State</th><th>Started</th><th class="num">Took</th><th class="num">Created</th><th class="num">Updated</th>\
            <th class="num">Unchanged</th><th class="num">Skipped</th><th class="num">Deleted</th><th class="num">Failed</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        return """
            <h2 id="passes">Passes (\(passes.count))</h2>
            \(table)
            \(pager.isEmpty ? "" : HTML("<nav class=\"pager\">\(pager)</nav>"))
            """
    }

    private func failedTable() -> HTML {
        guard !failed.entries.isEmpty else {
            return failedCursor == nil ? "<p class=\"empty\">No failed entries.</p>" : "<p class=\"empty\">No more failed entries. <a href=\"\(jobURL)#failed\">First page</a></p>"
        }
        let rows: [HTML] = failed.entries.map { entry in
            """
            <tr><td class="key">\(entry.key)</td><td>\(entry.kind)</td><td>\(entry.queue)</td><td class="num">\(entry.attempts)</td>\
            <td>\(entry.failedAt)</td><td class="error">\(entry.error)</td></tr>
            """
        }
        var pager: [HTML] = []
        if failedCursor != nil { pager.append("<a href=\"\(jobURL)#failed\" rel=\"first\">« First page</a>") }
        if let next = failed.nextCursor.map({ "\($0)" }) {
            pager.append("<a href=\"\(DashboardURL.with(jobURL, [("failed_cursor", next)]))#failed\" rel=\"next\">Next page »</a>")
        }
        return """
            <table class="failed"><thead><tr><th>Entry</th><th>Task</th><th>Queue</th><th class="num">Attempts</th><th>Failed at</th><th>Error</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            \(pager.isEmpty ? "" : HTML("<nav class=\"pager\">\(pager)</nav>"))
            """
    }
}
