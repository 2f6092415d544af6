import Foundation
import IngestCore
import IngestEngine
import IngestSQLite
import IngestSync
import Logging

/// A broker and catalog in a temporary directory, and a way to run sync jobs to their end in-process.
public final class EmbeddedEngine: @unchecked Sendable {
    public let directory: TemporaryDirectory
    public let broker: SQLiteBroker
    public let catalog: SQLiteCatalog

    public init() throws {
        directory = try TemporaryDirectory(prefix: "ingest-engine")
        broker = try SQLiteBroker(path: directory.subpath("state.sqlite"))
        catalog = try SQLiteCatalog(path: directory.subpath("catalog.sqlite"))
    }

    /// Vault resources made on demand in the engine's directory, by name.
    public func vault(_ name: String) throws -> StorageResource {
        let path = directory.subpath("vaults/\(name)")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return StorageResource(name: name, type: "vault", path: path)
    }

    /// Submits a sync job and runs an in-process worker until the job has ended.
    /// - Parameters:
    ///   - resources: the resources a configuration file would define.
    ///   - policies: builds the job's policy, when its spec names one.
    @discardableResult
    public func sync(
        _ spec: SyncSpec, job: String = "test", concurrency: Int = 2, resources: [StorageResource] = [],
        policies: PolicyFactory = PolicyFactory()
    ) async throws -> JobStatus {
        let (definition, tasks) = try await SyncJob.prepare(spec, jobName: job, catalog: catalog, resources: resources, policies: policies)
        try await broker.submit(definition, tasks: tasks)
        return try await runWorker(
            until: job, queues: [spec.queues.restart, spec.queues.path, spec.queues.file], concurrency: concurrency, policies: policies)
    }

    /// Runs a worker on `queues` until `job` has ended.
    public func runWorker(
        until job: String, queues: [String] = ["restart", "path", "file"], concurrency: Int = 2, policies: PolicyFactory = PolicyFactory(),
        logHandler: (any LogHandler)? = nil
    ) async throws -> JobStatus {
        var logger = logHandler.map { handler in Logger(label: "ingest.test", factory: { _ in handler }) } ?? Logger(label: "ingest.test")
        logger.logLevel = logHandler == nil ? .error : .info
        let worker = Worker(
            broker: broker, handlers: SyncJob.handlers(catalog: catalog, policies: policies),
            configuration: WorkerConfiguration(queues: queues, concurrency: concurrency, leaseDuration: 5, stopWhenJobEnds: job),
            logger: logger)
        try await worker.run()
        guard let status = try await broker.job(named: job) else { throw IngestError.jobNotFound(job) }
        return status
    }
}
