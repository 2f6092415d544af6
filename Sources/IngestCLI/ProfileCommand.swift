import ArgumentParser
import Foundation
import IngestEngine
import IngestRuntime

/// `ingest profile FILE`: what each worker did during a profiled job, as a table, JSON or an HTML timeline.
struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Summarize a job's profile file per worker (tasks, busy time, utilization), or draw it as an HTML timeline.")

    @Argument(help: "The profile file workers wrote for a job started with --profile.")
    var file: String

    @Option(name: .customLong("html"), help: ArgumentHelp("Write a standalone HTML timeline to this file (default: print the summary).", valueName: "out"))
    var htmlOutput: String?

    @Flag(help: "Print the summary as JSON instead of a table.")
    var json = false

    func validate() throws {
        if htmlOutput != nil && json {
            throw ValidationError("--html and --json cannot be combined; run the command once for each")
        }
    }

    func run() async throws {
        let records = try ProfileReport.read(path: file)
        let summary = ProfileReport.summary(records)
        if let htmlOutput {
            let title = "ingest profile: \((file as NSString).lastPathComponent)"
            let html = Data(ProfileReport.html(records, title: title).utf8)
            try PathProblem.translatingErrors(path: htmlOutput, fix: "give --html a path in an existing directory this user can write") {
                try html.write(to: URL(fileURLWithPath: htmlOutput))
            }
            print("wrote \(htmlOutput) (\(Format.count(Int64(records.count))) tasks, \(Format.count(Int64(summary.count))) workers)")
            return
        }
        if json {
            print(try Output.json(summary))
            return
        }
        guard !summary.isEmpty else {
            print("no tasks in \(file)")
            return
        }
        print(Output.table(
            header: Output.header(["worker", "tasks", "busy_seconds", "span_seconds", "utilization", "peak_concurrency", "entries", "bytes", "failures"]),
            rows: summary.map { row in
                [
                    row.worker, Format.count(Int64(row.tasks)), Format.duration(row.busySeconds), Format.duration(row.spanSeconds),
                    "\(Int((row.utilization * 100).rounded()))%", String(row.peakConcurrency), Format.count(Int64(row.entries)),
                    Format.bytes(Int64(row.bytes)), Format.count(Int64(row.failures)),
                ]
            }))
    }
}
