import Foundation
import IngestCore
import IngestPostgres
import IngestRedis
import IngestSQLite
import IngestTesting
import Logging
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

    /// Where the commands keep queues and jobs: the embedded SQLite file, or the test Redis
    /// server under a key prefix of this world's own.
    enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
        case sqlite, redis
        var description: String { rawValue }
    }

    let backend: Backend
    let keyPrefix = "ingest-cli-\(UUID().uuidString):"
    private var redisURL: RedisURL?

    init(backend: Backend = .sqlite) throws {
        home = try TemporaryDirectory(prefix: "ingest-home")
        source = try TemporaryDirectory(prefix: "ingest-source")
        ingest = IngestProcess(home: home.path)
        self.backend = backend
        if backend == .redis {
            try useRedis(TestServers.redisURL())
        }
    }

    /// Points every later command (and `broker()`) at a Redis server.
    func useRedis(_ url: RedisURL) {
        redisURL = url
        ingest.extraEnvironment["INGEST_BROKER_URL"] = url.unredacted
        ingest.extraEnvironment["INGEST_KEY_PREFIX"] = keyPrefix
    }

    /// Lets `broker()` follow jobs on a Redis server that the commands reach by other means (a
    /// flag, the config file, iRODS automated ingest's variables), under this world's key prefix.
    func followRedis(_ url: RedisURL) {
        redisURL = url
    }

    /// The broker the commands use, opened directly to follow jobs without spawning `ingest list`.
    func broker() throws -> any Broker {
        if let redisURL {
            if let redisBroker, redisBroker.client.url == redisURL { return redisBroker }
            redisBroker = RedisBroker(url: redisURL, keyPrefix: keyPrefix)
            return redisBroker!
        }
        return try SQLiteBroker(path: home.subpath("state.sqlite"))
    }

    private var redisBroker: RedisBroker?

    func catalog() async throws -> any Catalog {
        if let catalogURL {
            if let postgresCatalog { return postgresCatalog }
            postgresCatalog = try await PostgresCatalog.connect(url: catalogURL, logger: .init(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            return postgresCatalog!
        }
        return try SQLiteCatalog(path: home.subpath("catalog.sqlite"))
    }

    /// Points every later command (and `catalog()`) at a PostgreSQL database.
    func usePostgres(_ url: String) {
        catalogURL = url
        ingest.extraEnvironment["INGEST_CATALOG_URL"] = url
    }

    /// Closes the PostgreSQL catalog opened by `catalog()`, before its server goes away.
    func closeCatalog() async {
        await postgresCatalog?.close()
        postgresCatalog = nil
    }

    private var catalogURL: String?
    private var postgresCatalog: PostgresCatalog?

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
        let catalog = try await catalog()
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
    /// Sends `signal` and waits for the process to end; a process still running after `grace`
    /// seconds is killed, so a worker that fails to drain cannot hang the test run.
    /// - Returns: whether it ended by itself within `grace`.
    @discardableResult
    func stop(with signal: Int32, grace: Double = 60) -> Bool {
        kill(processIdentifier, signal)
        let deadline = Date().addingTimeInterval(grace)
        while isRunning && Date() < deadline { usleep(20_000) }
        guard isRunning else { return true }
        kill(processIdentifier, SIGKILL)
        waitUntilExit()
        return false
    }

    /// Stops a worker with SIGTERM and records an issue if it does not drain and exit in time.
    func stopWorker(sourceLocation: SourceLocation = #_sourceLocation) {
        if !stop(with: SIGTERM) {
            Issue.record("the worker did not exit within 60 s of SIGTERM and was killed", sourceLocation: sourceLocation)
        }
    }
}
