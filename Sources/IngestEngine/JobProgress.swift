import Foundation
import IngestCore

/// Turns successive job statuses into a progress line with rates and an ETA.
public struct JobProgress: Sendable {
    private struct Sample: Sendable {
        var time: Timestamp
        var entries: Int64
        var bytes: Int64
    }

    private var samples: [Sample] = []
    /// Rates are measured over this many recent seconds, so they follow the job's current pace.
    private let window: Double = 5

    public init() {}

    /// Records a status and returns the line to show for it.
    /// - Parameter report: what the job's kind says now: whether the total is final (a sync still
    ///   listing shows its count as a lower bound and no ETA), and its own progress text (a graph's
    ///   layers), which replaces the entry counts.
    public mutating func line(for status: JobStatus, report: JobReport? = nil, width: Int = 30) -> String {
        let failed = status.tasksFailed > 0 ? "  failed \(Format.count(status.tasksFailed))" : ""
        if let progress = report?.progress {
            return "\(status.name) \(status.state.rawValue): \(progress)  elapsed \(Format.duration(status.elapsed))" + failed
        }
        let now = currentTimestamp()
        let done = status.entriesDone
        let bytesDone = status.counter(Counter.bytesDone)
        samples.append(Sample(time: now, entries: done, bytes: bytesDone))
        samples.removeAll { now - $0.time > window }
        let first = samples.first!
        let span = now - first.time
        let entryRate: Double
        let byteRate: Double
        if span > 0.5 {
            entryRate = Double(done - first.entries) / span
            byteRate = Double(bytesDone - first.bytes) / span
        } else if status.elapsed > 0 {
            // Counted from the first claim (`JobStatus.startedAt`), not from the submission, so a
            // job that waited in its queue does not look slow.
            entryRate = Double(done) / status.elapsed
            byteRate = Double(bytesDone) / status.elapsed
        } else {
            (entryRate, byteRate) = (0, 0)
        }
        let totalIsFinal = report?.totalIsFinal ?? true
        let seen = max(status.counter(Counter.entriesSeen), done)
        let fraction = seen > 0 ? Double(done) / Double(seen) : 0
        let filled = status.state.isTerminal ? width : min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        var eta = "--"
        if status.state.isTerminal {
            eta = "0:00"
        } else if !totalIsFinal {
            eta = "-- (still listing)"
        } else if entryRate > 0 {
            eta = Format.duration(Double(seen - done) / entryRate)
        }
        return "\(status.name) [\(bar)] \(Format.count(done))/\(Format.count(seen))\(totalIsFinal ? "" : "+") entries"
            + "  \(Format.bytes(bytesDone))"
            + "  \(Format.count(Int64(entryRate))) entries/s  \(Format.bytes(Int64(byteRate)))/s"
            + "  elapsed \(Format.duration(status.elapsed))  ETA \(eta)" + failed
    }

    /// Deletions, copied bytes and skip reasons, when there were any.
    private static func extraSummary(for status: JobStatus) -> String {
        var parts: [String] = []
        if status.counter(Counter.entriesDeleted) > 0 { parts.append("deleted \(Format.count(status.counter(Counter.entriesDeleted)))") }
        if status.counter(Counter.bytesCopied) > 0 { parts.append("copied \(Format.bytes(status.counter(Counter.bytesCopied)))") }
        let reasons = status.counters.filter { $0.key.hasPrefix(Counter.skippedPrefix) && $0.value > 0 }.sorted { $0.key < $1.key }
        if !reasons.isEmpty {
            parts.append("skipped: " + reasons.map { "\($0.key.dropFirst(Counter.skippedPrefix.count)) \(Format.count($0.value))" }.joined(separator: ", "))
        }
        return parts.isEmpty ? "" : "\n  " + parts.joined(separator: "; ")
    }

    /// The end-of-job summary a user reads after `start --synchronous` or `watch`: the kind's own
    /// progress when it has one (a graph's layers), else entries, bytes and what became of them.
    public static func summary(for status: JobStatus, report: JobReport? = nil) -> String {
        if let progress = report?.progress {
            return "job \(status.name) \(status.state.rawValue) in \(Format.duration(status.elapsed)): \(progress)"
                + (status.tasksFailed > 0
                    ? "\n  failed \(Format.count(status.tasksFailed)) tasks; `ingest failed \(status.name)` lists them, "
                        + "`ingest requeue \(status.name)` runs them again" : "")
        }
        let elapsed = max(status.elapsed, 0.001)
        let rate = Double(status.entriesDone) / elapsed
        return """
            job \(status.name) \(status.state.rawValue) in \(Format.duration(status.elapsed)): \
            \(Format.count(status.entriesDone)) entries, \(Format.bytes(status.counter(Counter.bytesDone))), \
            \(Format.count(Int64(rate))) entries/s
              created \(Format.count(status.counter(Counter.entriesCreated))), \
            updated \(Format.count(status.counter(Counter.entriesUpdated))), \
            unchanged \(Format.count(status.counter(Counter.entriesUnchanged))), \
            skipped \(Format.count(status.counter(Counter.entriesSkipped))), \
            failed \(Format.count(status.counter(Counter.entriesFailed)))
            """ + extraSummary(for: status) + (status.tasksFailed > 0 ? "\n  `ingest failed \(status.name)` lists the failures; `ingest requeue \(status.name)` runs them again" : "")
    }
}

extension JobProgress {
    /// One line about an ended pass of a periodic job.
    public static func passSummary(_ pass: JobPass, job: String, nextRunAt: Timestamp?) -> String {
        let count = { (name: String) in Format.count(pass.counters[name] ?? 0) }
        return "job \(job) pass \(pass.pass) \(pass.state.rawValue) in \(Format.duration(pass.finishedAt - pass.startedAt)): "
            + "created \(count(Counter.entriesCreated)), updated \(count(Counter.entriesUpdated)), "
            + "unchanged \(count(Counter.entriesUnchanged)), skipped \(count(Counter.entriesSkipped)), "
            + "deleted \(count(Counter.entriesDeleted)), failed \(count(Counter.entriesFailed))"
            + (nextRunAt.map { "; next pass at \(Format.date($0))" } ?? "")
    }
}

/// Number, size and duration formatting for terminal output.
public enum Format {
    public static func count(_ value: Int64) -> String {
        let digits = String(abs(value))
        var grouped = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(character)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    public static func bytes(_ value: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var size = Double(value)
        var unit = 0
        while size >= 1000 && unit < units.count - 1 {
            size /= 1000
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f %@", size, units[unit])
    }

    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }

    public static func date(_ timestamp: Timestamp) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: timestamp))
    }
}
