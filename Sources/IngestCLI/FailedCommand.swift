import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `ingest failed JOB` or (PyChunkedGraph's spelling) `ingest failed QUEUE`: each failed entry with its path and error.
struct FailedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "failed", abstract: "List failed entries with their paths (or chunks) and errors: a job's, a queue's, or all.")

    @Argument(help: "The job, or else the queue (such as l2), whose failures to list (default: every job).")
    var job: String?

    @Option(help: "Show at most this many.")
    var limit: Int = 1000

    @Option(help: ArgumentHelp("Show only entries with a higher task id: the `task_id` of the last entry --json printed (default: from the first).", valueName: "id"))
    var after: Int64?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let runtime = try connection.runtime()
        let failed = try await runtime.failedEntries(jobOrQueue: job, after: after, limit: limit, broker: runtime.openBroker(readOnly: true)).entries
        if json {
            print(try Output.json(failed))
            return
        }
        guard !failed.isEmpty else {
            print("no failed tasks")
            return
        }
        print(Output.table(
            header: Output.header(["job", "queue", "key", "attempts", "failed_at", "error"]),
            rows: failed.map { [$0.job, $0.queue, $0.key, String($0.attempts), Output.time($0.failedAt), $0.error] }))
    }
}

/// `ingest requeue JOB`, `ingest requeue QUEUE --all`: run failed tasks again.
struct RequeueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue",
        abstract: "Run failed tasks again: a job's (`requeue JOB`), a queue's (`requeue QUEUE --all`) or all (`requeue --all`).")

    @Argument(help: "A job name, or with --all a queue name.")
    var name: String?

    @Flag(help: "Requeue every failed task, of the named queue if one is given.")
    var all = false

    @OptionGroup var connection: BrokerConnectionOptions

    func validate() throws {
        if name == nil && !all { throw ValidationError("name a job (`ingest requeue JOB`) or pass --all") }
    }

    func run() async throws {
        let broker = try connection.openBroker()
        let count: Int
        if all {
            count = try await broker.requeueFailed(job: nil, queue: name)
        } else {
            let job = name!
            guard try await broker.job(named: job) != nil else { throw IngestError.jobNotFound(job) }
            count = try await broker.requeueFailed(job: job, queue: nil)
        }
        let noun = count == 1 ? "task" : "tasks"
        print("requeued \(Format.count(Int64(count))) failed \(noun)" + (count > 0 ? "; a running `ingest worker` will pick \(count == 1 ? "it" : "them") up" : ""))
    }
}

/// `ingest flush` (iRODS automated ingest's `flush_redis`): remove all queue state after confirmation.
struct FlushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flush", abstract: "Remove every queued, running and failed task and every job record (the catalog is kept).",
        aliases: ["flush_redis"])

    @Flag(name: [.short,.long], help: "Do not ask for confirmation.")
    var yes = false

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        if !yes {
            FileHandle.standardError.write(Data("This removes every task and job record in \(try connection.brokerDescription()). Type 'yes' to continue: ".utf8))
            guard let answer = readLine(), answer.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
                FileHandle.standardError.write(Data("nothing flushed (pass --yes to skip this question)\n".utf8))
                throw ExitCode.failure
            }
        }
        try await connection.openBroker().flush()
        print("flushed \(try connection.brokerDescription())")
    }
}
