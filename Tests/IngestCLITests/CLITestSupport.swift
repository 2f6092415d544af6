import Foundation
import IngestCore
import IngestSQLite
import IngestTesting
import Testing

/// The command-line suites start worker processes; running them one at a time keeps a loaded
/// machine from turning timing into test failures.
@Suite(.serialized) struct CommandLineTests {}

/// A user's machine for one test: an `INGEST_HOME`, a source tree, and the `ingest` command.
final class CLIWorld: @unchecked Sendable {
    let home: TemporaryDirectory
    let source: TemporaryDirectory
    var ingest: IngestProcess
    let target = "/tempZone/home/rods/data"

    init() throws {
        home = try TemporaryDirectory(prefix: "ingest-home")
        source = try TemporaryDirectory(prefix: "ingest-source")
        ingest = IngestProcess(home: home.path)
    }

    /// The broker the commands use, opened directly to follow jobs without spawning `ingest list`.
    func broker() throws -> SQLiteBroker {
        try SQLiteBroker(path: home.subpath("state.sqlite"))
    }

    func catalog() throws -> SQLiteCatalog {
        try SQLiteCatalog(path: home.subpath("catalog.sqlite"))
    }

    /// Waits until `condition` holds for the job, failing the test after `timeout` seconds.
    @discardableResult
    func waitForJob(_ name: String, timeout: Double = 120, until condition: (JobStatus) -> Bool) async throws -> JobStatus {
        let broker = try broker()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = try await broker.job(named: name), condition(status) { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        let last = try await broker.job(named: name)
        throw WaitTimedOut(description: "job \(name) did not reach the expected state in \(timeout)s; last: \(String(describing: last))")
    }

    /// Every data object below `collection`, walked through the catalog.
    func objects(under collection: String) async throws -> [CatalogEntry] {
        let catalog = try catalog()
        var result: [CatalogEntry] = []
        var pending = [collection]
        while let next = pending.popLast() {
            for entry in try await catalog.list(collection: next) {
                if entry.kind == .collection { pending.append(entry.path) } else { result.append(entry) }
            }
        }
        return result
    }
}

struct WaitTimedOut: Error, CustomStringConvertible {
    var description: String
}

extension Process {
    /// Sends `signal` and waits for the process to end.
    func stop(with signal: Int32) {
        kill(processIdentifier, signal)
        waitUntilExit()
    }
}
