import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import IngestSync

/// `ingest resource ...`: the storage resources.
struct ResourceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resource", abstract: "Storage resources.", subcommands: [ResourceListCommand.self])
}

/// `ingest resource ls`: each resource with the replicas and bytes it holds.
struct ResourceListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "Show the resources defined in the configuration file and those the catalog knows, with replica counts and bytes.")

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let configuration = try connection.configuration()
        var usage = try await connection.openCatalog(readOnly: true).resourceUsage()
        // Resources defined but not used yet show with zero counts.
        for defined in configuration.resources where !usage.contains(where: { $0.resource.name == defined.name }) {
            usage.append(ResourceUsage(resource: defined.storageResource, replicas: 0, bytes: 0))
        }
        usage.sort { $0.resource.name < $1.resource.name }
        if json {
            print(try Output.json(usage))
            return
        }
        print(Output.table(
            header: ["NAME", "TYPE", "PATH", "OBJECTS", "BYTES"],
            rows: usage.map {
                [$0.resource.name, $0.resource.type, $0.resource.path ?? "-", Format.count($0.replicas), Format.bytes($0.bytes)]
            }))
    }
}

/// `ingest verify PATH`: re-check replicas against their files.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every good replica at or below a path exists, has its recorded size and, when stored, its checksum.")

    @Argument(help: "A data object or collection.")
    var path: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let path = try LogicalPath.normalize(self.path).get()
        let catalog = try await connection.openCatalog(readOnly: true)
        guard try await catalog.kind(of: path) != nil else { throw IngestError.notFoundInCatalog(path) }
        let interactive = isatty(STDERR_FILENO) == 1
        let report = try await ReplicaVerifier.verify(path: path, catalog: catalog) { soFar in
            if interactive {
                FileHandle.standardError.write(Data("\r\u{1B}[Kverified \(Format.count(Int64(soFar.replicasChecked))) replicas".utf8))
            }
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        if json {
            print(try Output.json(report))
        } else {
            for problem in report.problems {
                print("\(problem.object) [\(problem.resource)] \(problem.physicalPath): \(problem.problem)")
            }
            print("\(Format.count(Int64(report.replicasChecked))) replicas of \(Format.count(Int64(report.objects))) objects checked, "
                + "\(Format.count(Int64(report.checksumsVerified))) checksums verified, \(report.staleSkipped) stale skipped, "
                + "\(report.problems.count) problems")
        }
        if !report.problems.isEmpty { throw ExitCode.failure }
    }
}

/// `ingest history JOB`: each ended pass of a job with its summary.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show each ended pass of a job with its own summary.")

    @Argument(help: "The job.")
    var job: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var connection: BrokerConnectionOptions

    func run() async throws {
        let broker = try connection.openBroker(readOnly: true)
        guard let status = try await broker.job(named: job) else { throw IngestError.jobNotFound(job) }
        var passes = try await broker.history(job: job)
        if passes.isEmpty, status.schedule == nil, status.state.isTerminal, let finishedAt = status.finishedAt {
            // A one-shot job's only pass is the job itself.
            passes = [JobPass(pass: 1, state: status.state, startedAt: status.createdAt, finishedAt: finishedAt, counters: status.counters)]
        }
        if json {
            print(try Output.json(passes))
            return
        }
        guard !passes.isEmpty else {
            print("job \(job) has no ended passes yet")
            return
        }
        print(Output.table(
            header: ["PASS", "RESULT", "STARTED", "ELAPSED", "CREATED", "UPDATED", "UNCHANGED", "SKIPPED", "DELETED", "FAILED"],
            rows: passes.map { pass in
                let count = { (name: String) in Format.count(pass.counters[name] ?? 0) }
                return [
                    String(pass.pass), pass.state.rawValue, Format.date(pass.startedAt), Format.duration(pass.finishedAt - pass.startedAt),
                    count(Counter.entriesCreated), count(Counter.entriesUpdated), count(Counter.entriesUnchanged),
                    count(Counter.entriesSkipped), count(Counter.entriesDeleted), count(Counter.entriesFailed),
                ]
            }))
    }
}
