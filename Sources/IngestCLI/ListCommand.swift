import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import IngestRuntime

/// `ingest list`: every job with its state and counts.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show every job: state, task counts, entries and bytes done, start time, elapsed time.")

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let runtime = try connection.runtime()
        let summaries = try await runtime.jobSummaries(broker: runtime.openBroker(readOnly: true))
        if json {
            print(try Output.json(summaries))
            return
        }
        let jobs = summaries.map(\.status)
        guard !jobs.isEmpty else {
            print("no jobs; start one with `ingest start SRC DST`")
            return
        }
        let periodic = jobs.contains { $0.schedule != nil }
        let rows = summaries.map { summary in
            let job = summary.status
            var row = [
                job.name, job.kind, job.state.rawValue, Format.count(job.tasksTotal), Format.count(job.pendingTasks),
                Format.count(job.tasksFailed), Format.count(job.tasksRetried), Format.count(job.entriesDone),
                Format.bytes(job.counter(Counter.bytesDone)), job.startedAt.map(Format.date) ?? "-", Format.duration(job.elapsed),
            ]
            if periodic {
                row += [
                    job.lastPass.map { "#\($0.pass) \($0.state.rawValue) \(Format.date($0.finishedAt))" } ?? "-",
                    job.state == .waiting ? job.nextRunAt.map(Format.date) ?? "-" : "-",
                ]
            }
            return row + [summary.description]
        }
        print(Output.table(
            header: Output.header([
                "name", "kind", "state", "tasks_total", "tasks_remaining", "tasks_failed", "tasks_retried", "entries_done", "bytes_done",
                "started_at", "elapsed_seconds",
            ] + (periodic ? ["last_pass", "next_run_at"] : []) + ["description"]),
            rows: rows))
        for summary in summaries where !summary.queuesWithoutWorkers.isEmpty {
            let queues = summary.queuesWithoutWorkers.joined(separator: ",")
            print("job \(summary.name) waits: no live worker listens to \(queues); start one with `ingest worker -Q \(queues)`")
        }
    }
}

/// `ingest watch JOB`: a progress bar until the job ends; Ctrl-C leaves the job running.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "watch", abstract: "Show a job's progress until it ends (Ctrl-C stops watching, not the job).")

    @Argument(help: "The job to watch.")
    var job: String

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let runtime = try connection.runtime()
        let broker = try runtime.openBroker(readOnly: true)
        if let current = try await broker.job(named: job) {
            let queues = try await runtime.queuesWithoutWorkers(job: current, broker: broker)
            if !queues.isEmpty {
                let list = queues.joined(separator: ",")
                FileHandle.standardError.write(Data(
                    "no live worker listens to \(list), where job \(job) has tasks waiting; start one with `ingest worker -Q \(list)`\n".utf8))
            }
        }
        let status = try await runtime.watcher(broker: broker).waitUntilEnded(job: job, showProgress: true)
        print(JobProgress.summary(for: status, report: await runtime.report(for: status, broker: broker)))
        if !status.succeeded { throw ExitCode.failure }
    }
}

/// `ingest stop JOB`: cancel queued tasks at once; running ones end and the job is stopped.
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a job: its queued tasks are cancelled at once and it is recorded as stopped.")

    @Argument(help: "The job to stop.")
    var job: String

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let status = try await connection.openBroker().stop(job: job)
        print("job \(job) \(status.state.rawValue); \(Format.count(status.counter(Counter.tasksCancelled))) queued tasks cancelled"
            + (status.runningTasks > 0 ? ", \(status.runningTasks) running \(status.runningTasks == 1 ? "task is" : "tasks are") ending" : ""))
    }
}

/// `ingest forget JOB`: remove one ended job, leaving every other job and the catalog as they are.
struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget", abstract: "Remove an ended job (its record, counters, passes and failed entries); the catalog is kept.")

    @Argument(help: "The job to remove; it must have ended (stop it first).")
    var job: String

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        do {
            try await connection.openBroker().forget(job: job)
        } catch IngestError.jobAlreadyActive(let name) {
            throw ValidationFailure("job \(name) has not ended; stop it first (`ingest stop \(name)`), then forget it")
        }
        print("job \(job) forgotten; the catalog keeps what it synced")
    }
}
