import Foundation
import IngestCore

/// Follows a job until it ends, optionally drawing its progress on standard error.
public struct JobWatcher: Sendable {
    private let broker: any Broker
    private let interval: Double
    /// What the job's kind says about it (lower-bound totals, a graph's layers), read with each
    /// progress line; nil draws entries and bytes only.
    private let reporter: (@Sendable (JobStatus) async -> JobReport)?
    /// How often the kind's report is read again: queue counts cost more than the job's counters.
    static let reportInterval: Double = 2

    public init(broker: any Broker, interval: Double = 0.25, reporter: (@Sendable (JobStatus) async -> JobReport)? = nil) {
        self.broker = broker
        self.interval = interval
        self.reporter = reporter
    }

    /// Polls the job's status (a read of its counters, not of its tasks; the kind's report, which
    /// may count tasks per queue, at most every 2 s) until it is terminal, or
    /// until the calling task is cancelled (then it draws the status once more and returns it).
    /// - Parameter showProgress: draw a progress bar on standard error.
    /// - Returns: the final status.
    public func waitUntilEnded(job name: String, showProgress: Bool) async throws -> JobStatus {
        let terminal = ProgressTerminal()
        var progress = JobProgress()
        var lastPrinted: Timestamp = 0
        var report: JobReport?
        var reportedAt: Timestamp = 0
        var reportedPass = try await broker.job(named: name)?.lastPass?.pass
        var cancelled = false
        while true {
            // Once cancelled, the last read runs in a task of its own, which the cancellation does not reach.
            let broker = self.broker
            let read = cancelled ? try await Task { try await broker.job(named: name) }.value : try await broker.job(named: name)
            guard let status = read else {
                throw IngestError.jobNotFound(name)
            }
            if let pass = status.lastPass, pass.pass != reportedPass {
                // A periodic job ended a pass: say how it went and when the next one starts.
                reportedPass = pass.pass
                if terminal.isInteractive && showProgress { terminal.finish() }
                terminal.printLine(JobProgress.passSummary(pass, job: name, nextRunAt: status.nextRunAt))
                progress = JobProgress()
            }
            if showProgress && status.state != .waiting {
                let now = currentTimestamp()
                if let reporter, report == nil || now - reportedAt >= Self.reportInterval || status.state.isTerminal {
                    report = await reporter(status)
                    reportedAt = now
                }
                let line = progress.line(for: status, report: report)
                if terminal.isInteractive {
                    terminal.redraw(line)
                } else if now - lastPrinted >= 2 || status.state.isTerminal || cancelled {
                    terminal.printLine(line)
                    lastPrinted = now
                }
            }
            if status.state.isTerminal || cancelled {
                if showProgress && terminal.isInteractive { terminal.finish() }
                return status
            }
            do {
                try await Task.sleep(for: .seconds(interval))
            } catch {
                cancelled = true
            }
        }
    }
}

/// Standard error, redrawn in place when it is a terminal and appended to otherwise.
struct ProgressTerminal: Sendable {
    let isInteractive = isatty(STDERR_FILENO) == 1

    func redraw(_ line: String) {
        write("\r\u{1B}[K" + line)
    }

    func printLine(_ line: String) {
        write(line + "\n")
    }

    func finish() {
        write("\n")
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
