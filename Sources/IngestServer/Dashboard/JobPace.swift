import IngestCore
import IngestRuntime

/// How far a job is, how fast it goes and when it should end, from one reading of its counters:
/// entries done of those seen (a sync), else tasks ended of those queued (a kind that counts no
/// entries). The rate is the average since the first claim, so it needs no earlier sample and
/// every server of a fleet shows the same figure.
struct JobPace: Equatable, Sendable {
    enum Unit: String, Sendable { case entries, tasks }

    var unit: Unit
    var done: Int64
    var total: Int64
    /// False while the kind still finds work (a sync listing): the total is then a lower bound.
    var totalIsFinal: Bool
    /// Units per second since the first claim; nil before any.
    var rate: Double?
    /// Seconds left at `rate`; nil when it cannot be told (no rate yet, total not final, ended).
    var secondsLeft: Double?
    var fraction: Double

    init(_ summary: JobSummary, totalIsFinal: Bool) {
        let status = summary.status
        if summary.entriesSeen > 0 || summary.entriesDone > 0 {
            unit = .entries
            done = summary.entriesDone
            total = max(summary.entriesSeen, summary.entriesDone)
        } else {
            unit = .tasks
            total = status.tasksTotal
            done = min(total, status.counter(Counter.tasksDone) + status.tasksFailed)
        }
        self.totalIsFinal = totalIsFinal || status.state.isTerminal
        let elapsed = status.elapsed
        rate = elapsed > 0 && done > 0 ? Double(done) / elapsed : nil
        if status.state == .completed {
            fraction = 1
        } else {
            fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        }
        if !status.state.isTerminal, self.totalIsFinal, let rate, rate > 0 {
            secondsLeft = Double(total - done) / rate
        }
    }
}
