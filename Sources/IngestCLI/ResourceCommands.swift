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
        let runtime = try connection.runtime()
        let resources = try await runtime.resources(catalog: connection.openCatalog(readOnly: true))
        if json {
            print(try Output.json(resources))
            return
        }
        print(Output.table(
            header: Output.header(["name", "type", "path", "objects", "bytes"]),
            rows: resources.map { [$0.name, $0.type, $0.path ?? "-", Format.count($0.objects), Format.bytes($0.bytes)] }))
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

    @OptionGroup(title: "Objects registered from buckets") var s3: S3Options
    @OptionGroup var connection: CatalogConnectionOptions

    func run() async throws {
        let path = try LogicalPath.normalize(self.path).get()
        let catalog = try await connection.openCatalog(readOnly: true)
        guard try await catalog.kind(of: path) != nil else { throw IngestError.notFoundInCatalog(path) }
        let interactive = isatty(STDERR_FILENO) == 1
        let runtime = try connection.runtime()
        let access = try s3.startOptions.access(for: "s3://") ?? S3Access()
        let objectStores = runtime.objectStores()
        let report: ReplicaVerifier.Report
        do {
            report = try await ReplicaVerifier.verify(path: path, catalog: catalog, objectStores: objectStores, s3Access: access) { soFar in
                if interactive {
                    FileHandle.standardError.write(Data("\r\u{1B}[Kverified \(Format.count(Int64(soFar.replicasChecked))) replicas".utf8))
                }
            }
            await objectStores.shutdown()
        } catch {
            await objectStores.shutdown()
            throw error
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
        let runtime = try connection.runtime()
        let passes = try await runtime.history(job: job, broker: runtime.openBroker(readOnly: true))
        if json {
            print(try Output.json(passes))
            return
        }
        guard !passes.isEmpty else {
            print("job \(job) has no ended passes yet")
            return
        }
        print(Output.table(
            header: Output.header([
                "pass", "state", "started_at", "elapsed_seconds", "entries_created", "entries_updated", "entries_unchanged",
                "entries_skipped", "entries_deleted", "entries_failed",
            ]),
            rows: passes.map { pass in
                [
                    String(pass.pass), pass.state, Output.time(pass.startedAt), Format.duration(pass.elapsedSeconds), Format.count(pass.entriesCreated),
                    Format.count(pass.entriesUpdated), Format.count(pass.entriesUnchanged), Format.count(pass.entriesSkipped),
                    Format.count(pass.entriesDeleted), Format.count(pass.entriesFailed),
                ]
            }))
    }
}
