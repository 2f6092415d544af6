import Foundation

/// One task as a worker recorded it in a job's profile file: one JSON object per line.
public struct ProfileRecord: Codable, Sendable, Equatable {
    public var job: String
    public var queue: String
    public var kind: String
    public var key: String
    public var worker: String
    /// Seconds since 1970.
    public var start: Double
    /// Seconds since 1970.
    public var end: Double
    public var entries: Int
    public var bytes: Int
    /// `succeeded`, `failed`, `retried` or `cancelled`.
    public var outcome: String

    public init(
        job: String, queue: String, kind: String, key: String, worker: String,
        start: Double, end: Double, entries: Int, bytes: Int, outcome: String
    ) {
        self.job = job
        self.queue = queue
        self.kind = kind
        self.key = key
        self.worker = worker
        self.start = start
        self.end = end
        self.entries = entries
        self.bytes = bytes
        self.outcome = outcome
    }

    /// Seconds the task ran; a clock that stepped back counts as zero rather than as negative work.
    public var duration: Double { max(0, end - start) }

    public var isFailure: Bool { outcome == "failed" }
}

/// One worker's row in `ingest profile`.
public struct WorkerProfileSummary: Sendable, Equatable, Encodable {
    public var worker: String
    public var tasks: Int
    /// The sum of task durations; it exceeds the span when the worker ran tasks at once.
    public var busySeconds: Double
    /// From the worker's first task start to its last task end.
    public var spanSeconds: Double
    /// `busySeconds / spanSeconds`: the average number of tasks in flight, so 1.0 is one task all the time.
    public var utilization: Double
    /// The most tasks this worker ran at the same moment.
    public var peakConcurrency: Int
    public var entries: Int
    public var bytes: Int
    /// Tasks whose outcome is `failed` (retried attempts are not counted).
    public var failures: Int

    public init(
        worker: String, tasks: Int, busySeconds: Double, spanSeconds: Double, utilization: Double,
        peakConcurrency: Int, entries: Int, bytes: Int, failures: Int
    ) {
        self.worker = worker
        self.tasks = tasks
        self.busySeconds = busySeconds
        self.spanSeconds = spanSeconds
        self.utilization = utilization
        self.peakConcurrency = peakConcurrency
        self.entries = entries
        self.bytes = bytes
        self.failures = failures
    }
}

/// Why a profile file could not be read.
public enum ProfileReadError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformedLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read profile '\(path)': \(reason)"
        case .malformedLine(let path, let line, let reason):
            "profile '\(path)' line \(line) is not a task record (\(reason)); each line must be a JSON object with "
                + "job, queue, kind, key, worker, start, end, entries, bytes and outcome"
        }
    }
}

/// Reads the profile workers write and turns it into per-worker numbers and a timeline page.
public enum ProfileReport {
    /// Reads a profile file; skips blank lines; a malformed line throws an error naming the line number and the file.
    /// - Throws: `ProfileReadError`.
    public static func read(path: String) throws -> [ProfileRecord] {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProfileReadError.unreadable(path: path, reason: "no such file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ProfileReadError.unreadable(path: path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        var records: [ProfileRecord] = []
        for (index, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) {
                continue
            }
            do {
                records.append(try decoder.decode(ProfileRecord.self, from: line))
            } catch let error as DecodingError {
                throw ProfileReadError.malformedLine(path: path, line: index + 1, reason: explain(error))
            }
        }
        return records
    }

    /// Per-worker summary rows: tasks, busy seconds, span, utilization, entries, bytes, failures.
    /// - Returns: one row per worker, ordered by worker name.
    public static func summary(_ records: [ProfileRecord]) -> [WorkerProfileSummary] {
        Dictionary(grouping: records, by: \.worker).map { worker, tasks in
            let busy = tasks.reduce(0) { $0 + $1.duration }
            let span = (tasks.map(\.end).max() ?? 0) - (tasks.map(\.start).min() ?? 0)
            return WorkerProfileSummary(
                worker: worker, tasks: tasks.count, busySeconds: busy, spanSeconds: max(0, span),
                utilization: span > 0 ? busy / span : 0, peakConcurrency: peakConcurrency(tasks),
                entries: tasks.reduce(0) { $0 + $1.entries }, bytes: tasks.reduce(0) { $0 + $1.bytes },
                failures: tasks.count(where: \.isFailure))
        }.sorted { $0.worker < $1.worker }
    }

    /// A standalone HTML page (no external scripts, styles or fonts): one lane per worker, one bar per
    /// task positioned by start/end on a shared time axis, coloured by queue, failed tasks marked; a hover
    /// title per bar with job, kind, key, duration, entries, bytes, outcome; a legend; and the summary table.
    ///
    /// Tasks a worker ran at the same time are stacked in rows inside its lane. So that a profile of
    /// 100,000 tasks stays small and quick to open, a lane with more than `maxBarsPerLane` tasks is
    /// drawn as time buckets instead: a bucket's height is the average number of tasks running in it
    /// (relative to the worker's peak), its colour the queue that was busiest, and its title the counts.
    /// Failed tasks in such a lane are still drawn one by one (up to `maxBarsPerLane`).
    /// - Parameters:
    ///   - title: The page heading; escaped like every string from the records.
    ///   - maxBarsPerLane: The most tasks drawn one by one in a lane (default: 2,000).
    public static func html(_ records: [ProfileRecord], title: String, maxBarsPerLane: Int = 2_000) -> String {
        TimelinePage(records: records, title: title, maxBarsPerLane: max(1, maxBarsPerLane)).render()
    }

    /// The most tasks running at one moment; a task ending exactly when another starts does not overlap it.
    static func peakConcurrency(_ tasks: [ProfileRecord]) -> Int {
        let starts = tasks.map(\.start).sorted()
        let ends = tasks.map { $0.start + $0.duration }.sorted()
        var running = 0
        var peak = 0
        var endIndex = 0
        for start in starts {
            while endIndex < ends.count && ends[endIndex] <= start {
                endIndex += 1
                running -= 1
            }
            running += 1
            peak = max(peak, running)
        }
        return peak
    }

    private static func explain(_ error: DecodingError) -> String {
        func field(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, _):
            return "missing \"\(key.stringValue)\""
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return context.codingPath.isEmpty ? "not a JSON object" : "\"\(field(context))\" is not a \(type)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\"\(field(context))\" is invalid"
        @unknown default:
            return "\(error)"
        }
    }
}

/// Builds the HTML of `ProfileReport.html`: geometry in SVG user units, one lane per worker.
private struct TimelinePage {
    let records: [ProfileRecord]
    let title: String
    let maxBarsPerLane: Int

    private let labelWidth = 190.0
    private let plotWidth = 1000.0
    private let rowHeight = 12.0
    private let rowGap = 2.0
    private let laneGap = 10.0
    private let axisHeight = 24.0
    /// Beyond this many simultaneous tasks, bars share rows and overlap instead of making the lane taller.
    private let maxRowsPerLane = 24
    /// Rows an aggregated lane is drawn as tall as.
    private let aggregatedLaneRows = 4
    private let bucketCount = 500

    /// The earliest start: time zero of the axis.
    private let origin: Double
    /// Seconds the axis covers; never zero, so positions stay finite.
    private let totalSpan: Double

    init(records: [ProfileRecord], title: String, maxBarsPerLane: Int) {
        self.records = records
        self.title = title
        self.maxBarsPerLane = maxBarsPerLane
        origin = records.map(\.start).min() ?? 0
        totalSpan = max(0.001, (records.map(\.end).max() ?? 0) - origin)
    }

    func render() -> String {
        let summary = ProfileReport.summary(records)
        let queues = Set(records.map(\.queue)).sorted()
        let colours = Dictionary(uniqueKeysWithValues: queues.enumerated().map { index, queue in
            (queue, "hsl(\(Int((210 + Double(index) * 137.508).truncatingRemainder(dividingBy: 360))), 62%, 52%)")
        })
        let byWorker = Dictionary(grouping: records, by: \.worker)
        let timeline = svg(workers: summary.map(\.worker), tasksByWorker: byWorker, colours: colours)
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(escape(title))</title>
            <style>
            body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; }
            h1 { font-size: 18px; margin: 0 0 4px; }
            .timeline { overflow-x: auto; border: 1px solid #ddd; }
            svg text { font: 11px system-ui, sans-serif; fill: #333; }
            .grid { stroke: #eee; }
            .bar:hover, .bucket:hover { stroke: #000; stroke-width: 1; }
            .bar.failed { stroke: #d00; stroke-width: 2; }
            .bar.retried { stroke: #e69500; stroke-width: 1; stroke-dasharray: 2 1; }
            .bar.cancelled { opacity: 0.35; }
            .legend span { display: inline-block; margin-right: 14px; }
            .swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; margin-right: 4px; }
            .swatch.failed { background: #fff; outline: 2px solid #d00; outline-offset: -2px; }
            .swatch.retried { background: #fff; outline: 1px dashed #e69500; outline-offset: -1px; }
            table { border-collapse: collapse; margin-top: 12px; }
            th, td { padding: 2px 10px; border-bottom: 1px solid #eee; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            </style>
            </head>
            <body>
            <h1>\(escape(title))</h1>

            """
        page += "<p>\(headline(workerCount: summary.count))</p>\n"
        page += legend(queues: queues, colours: colours, aggregated: byWorker.values.contains { $0.count > maxBarsPerLane })
        page += "<div class=\"timeline\">\n\(timeline)</div>\n"
        page += table(summary)
        page += "</body>\n</html>\n"
        return page
    }

    private func headline(workerCount: Int) -> String {
        guard !records.isEmpty else { return "No tasks in this profile." }
        let jobs = Set(records.map(\.job)).sorted()
        let shownJobs = jobs.prefix(10).map(escape).joined(separator: ", ") + (jobs.count > 10 ? ", …" : "")
        return "\(Format.count(Int64(records.count))) tasks on \(workerCount) workers from \(Format.date(origin)) "
            + "for \(Format.duration(totalSpan)); job\(jobs.count == 1 ? "" : "s") \(shownJobs)"
    }

    private func legend(queues: [String], colours: [String: String], aggregated: Bool) -> String {
        var html = "<p class=\"legend\">"
        for queue in queues {
            html += "<span><i class=\"swatch\" style=\"background: \(colours[queue] ?? "#888")\"></i>queue \(escape(queue))</span>"
        }
        html += "<span><i class=\"swatch failed\"></i>failed</span>"
        html += "<span><i class=\"swatch retried\"></i>retried</span>"
        html += "<span><i class=\"swatch\" style=\"background: #888; opacity: 0.35\"></i>cancelled</span>"
        html += "</p>\n"
        if aggregated {
            html += "<p class=\"legend\">Lanes with more than \(Format.count(Int64(maxBarsPerLane))) tasks are drawn as "
                + "\(bucketCount) time buckets: height is the average number of tasks running (full height = the worker's peak), "
                + "colour the busiest queue; failed tasks are still drawn one by one. Hover a bar for details.</p>\n"
        }
        return html
    }

    private func svg(workers: [String], tasksByWorker: [String: [ProfileRecord]], colours: [String: String]) -> String {
        var lanes = ""
        var y = axisHeight
        for worker in workers {
            let tasks = (tasksByWorker[worker] ?? []).sorted { $0.start < $1.start }
            let label = worker.count > 28 ? String(worker.prefix(27)) + "…" : worker
            let height: Double
            var body = ""
            if tasks.count <= maxBarsPerLane {
                let rows = packIntoRows(tasks)
                let rowCount = (rows.max() ?? 0) + 1
                height = Double(rowCount) * rowHeight + Double(rowCount - 1) * rowGap
                for (task, row) in zip(tasks, rows) {
                    body += bar(task, y: y + Double(row) * (rowHeight + rowGap), height: rowHeight, colour: colours[task.queue])
                }
            } else {
                height = Double(aggregatedLaneRows) * (rowHeight + rowGap) - rowGap
                body += buckets(tasks, y: y, height: height, colours: colours)
                for task in tasks.lazy.filter(\.isFailure).prefix(maxBarsPerLane) {
                    body += bar(task, y: y, height: height, colour: colours[task.queue])
                }
            }
            lanes += "<g class=\"lane\">"
            lanes += "<text class=\"lane-label\" x=\"4\" y=\(attribute(y + min(height, rowHeight) - 2))><title>\(escape(worker))</title>\(escape(label))</text>\n"
            lanes += body
            lanes += "</g>\n"
            y += height + laneGap
        }
        let totalHeight = max(y, axisHeight + laneGap)
        let width = labelWidth + plotWidth + 20
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\(attribute(width)) height=\(attribute(totalHeight)) "
            + "viewBox=\"0 0 \(number(width)) \(number(totalHeight))\">\n"
        svg += axis(height: totalHeight)
        svg += lanes
        svg += "</svg>\n"
        return svg
    }

    /// Vertical grid lines with elapsed-time labels at a round step, about eight of them.
    private func axis(height: Double) -> String {
        let steps: [Double] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400]
        let step = steps.first { totalSpan / $0 <= 8 } ?? (totalSpan / 8).rounded(.up)
        var html = ""
        var tick = 0.0
        while tick <= totalSpan + step / 1_000 {
            let x = xPosition(origin + tick)
            html += "<line class=\"grid\" x1=\(attribute(x)) y1=\"14\" x2=\(attribute(x)) y2=\(attribute(height))/>"
            html += "<text x=\(attribute(x + 2)) y=\"12\">\(tickLabel(tick))</text>\n"
            tick += step
        }
        return html
    }

    private func tickLabel(_ seconds: Double) -> String {
        seconds > 0 && seconds < 1 ? "\(number(seconds * 1_000))ms" : Format.duration(seconds)
    }

    /// Seconds from time zero with enough decimals that neighbouring buckets read differently.
    private func offset(_ seconds: Double, resolution: Double) -> String {
        let decimals = max(0, min(6, Int((-log10(resolution)).rounded(.up)) + 1))
        return String(format: "+%.\(decimals)fs", seconds)
    }

    /// The row of each task (in order): the first row free by the task's start.
    private func packIntoRows(_ tasks: [ProfileRecord]) -> [Int] {
        var rowEnds: [Double] = []
        return tasks.map { task in
            if let free = rowEnds.firstIndex(where: { $0 <= task.start }) {
                rowEnds[free] = task.end
                return free
            }
            if rowEnds.count < maxRowsPerLane {
                rowEnds.append(task.end)
                return rowEnds.count - 1
            }
            let earliest = rowEnds.indices.min { rowEnds[$0] < rowEnds[$1] }!
            rowEnds[earliest] = max(rowEnds[earliest], task.end)
            return earliest
        }
    }

    private func bar(_ task: ProfileRecord, y: Double, height: Double, colour: String?) -> String {
        let x = xPosition(task.start)
        let width = max(0.5, task.duration / totalSpan * plotWidth)
        let outcomeClass = ["failed", "retried", "cancelled"].contains(task.outcome) ? " \(task.outcome)" : ""
        let details = [
            "job \(task.job)", "kind \(task.kind)", "key \(task.key)", "queue \(task.queue)", "worker \(task.worker)",
            "duration \(Format.duration(task.duration))", "entries \(Format.count(Int64(task.entries)))",
            "bytes \(Format.bytes(Int64(task.bytes)))", "outcome \(task.outcome)",
        ].map(escape).joined(separator: "\n")
        return "<rect class=\"bar\(outcomeClass)\" x=\(attribute(x)) y=\(attribute(y)) width=\(attribute(width)) "
            + "height=\(attribute(height)) fill=\"\(colour ?? "#888")\"><title>\(details)</title></rect>\n"
    }

    /// A lane too busy for one bar per task: task-seconds per time bucket and queue.
    private func buckets(_ tasks: [ProfileRecord], y: Double, height: Double, colours: [String: String]) -> String {
        let queues = Set(tasks.map(\.queue)).sorted()
        let queueIndex = Dictionary(uniqueKeysWithValues: queues.enumerated().map { ($1, $0) })
        let bucketSeconds = totalSpan / Double(bucketCount)
        var busy = [Double](repeating: 0, count: bucketCount * queues.count)
        var started = [Int](repeating: 0, count: bucketCount)
        var failed = [Int](repeating: 0, count: bucketCount)
        func bucket(_ time: Double) -> Int { min(bucketCount - 1, max(0, Int((time - origin) / bucketSeconds))) }
        for task in tasks {
            let queue = queueIndex[task.queue]!
            let end = task.start + task.duration
            started[bucket(task.start)] += 1
            if task.isFailure { failed[bucket(task.start)] += 1 }
            for index in bucket(task.start)...bucket(end) {
                let bucketStart = origin + Double(index) * bucketSeconds
                let overlap = min(end, bucketStart + bucketSeconds) - max(task.start, bucketStart)
                if overlap > 0 { busy[index * queues.count + queue] += overlap }
            }
        }
        let peak = Double(max(1, ProfileReport.peakConcurrency(tasks)))
        let width = plotWidth / Double(bucketCount)
        var html = ""
        for index in 0..<bucketCount {
            let perQueue = busy[(index * queues.count)..<((index + 1) * queues.count)]
            let total = perQueue.reduce(0, +)
            guard total > 0 || started[index] > 0 else { continue }
            let running = total / bucketSeconds
            let barHeight = max(1, min(1, running / peak) * height)
            let busiest = queues[perQueue.indices.max { perQueue[$0] < perQueue[$1] }! - index * queues.count]
            let from = Double(index) * bucketSeconds
            let breakdown = zip(queues, perQueue).filter { $0.1 > 0 }
                .map { "\($0.0) \(Format.duration($0.1)) busy" }.joined(separator: ", ")
            let details = "\(offset(from, resolution: bucketSeconds)) to \(offset(from + bucketSeconds, resolution: bucketSeconds)): "
                + "\(Format.count(Int64(started[index]))) tasks started"
                + (failed[index] > 0 ? ", \(Format.count(Int64(failed[index]))) failed" : "")
                + "; \(number(running)) running on average; \(breakdown)"
            html += "<rect class=\"bucket\" x=\(attribute(labelWidth + Double(index) * width)) y=\(attribute(y + height - barHeight)) "
                + "width=\(attribute(width)) height=\(attribute(barHeight)) fill=\"\(colours[busiest] ?? "#888")\">"
                + "<title>\(escape(details))</title></rect>\n"
        }
        return html
    }

    private func table(_ summary: [WorkerProfileSummary]) -> String {
        var html = "<table>\n<tr><th>worker</th><th>tasks</th><th>busy</th><th>span</th><th>utilization</th>"
            + "<th>peak</th><th>entries</th><th>bytes</th><th>failed</th></tr>\n"
        for row in summary {
            let cells = [
                escape(row.worker), Format.count(Int64(row.tasks)), Format.duration(row.busySeconds), Format.duration(row.spanSeconds),
                "\(Int((row.utilization * 100).rounded()))%", String(row.peakConcurrency), Format.count(Int64(row.entries)),
                Format.bytes(Int64(row.bytes)), Format.count(Int64(row.failures)),
            ]
            html += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    private func xPosition(_ time: Double) -> Double {
        labelWidth + (time - origin) / totalSpan * plotWidth
    }

    private func number(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    private func attribute(_ value: Double) -> String {
        "\"\(number(value))\""
    }

    /// Makes any record string safe in element text and in quoted attributes.
    private func escape(_ text: String) -> String { HTMLText.escaped(text) }
}
