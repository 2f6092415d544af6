import Foundation
import IngestCore

/// The sync job kind: a directory tree into a catalog collection.
public struct SyncJobKind: JobKind {
    /// The resources of the configuration file and its `default_resource`, for `prepare`.
    public var resources: [StorageResource]
    public var defaultResource: String?
    /// Where the resources were defined, for messages (`~/.ingest/config.yaml`).
    public var configurationSource: String
    /// Builds the policies of `--event_handler` and `--policy` jobs (and any a program registers).
    public var policies: PolicyFactory

    public init(
        resources: [StorageResource] = [], defaultResource: String? = nil, configurationSource: String = "the configuration file",
        policies: PolicyFactory = PolicyFactory()
    ) {
        self.resources = resources
        self.defaultResource = defaultResource
        self.configurationSource = configurationSource
        self.policies = policies
    }

    public var name: String { SyncSpec.jobKind }

    public var taskKinds: [String] { [SyncTaskKind.restart, SyncTaskKind.path, SyncTaskKind.file, SyncTaskKind.finish] }

    public var legacyTaskKinds: [String: String] {
        ["restart": SyncTaskKind.restart, "path": SyncTaskKind.path, "file": SyncTaskKind.file]
    }

    public func handlers(_ resources: JobResources) -> [any TaskHandler] {
        SyncJob.handlers(catalog: resources.catalog, policies: PolicyProvider(factory: policies), objectStores: resources.objectStores)
    }

    /// - Throws: `IngestError` naming the option and the fix; a spec that is not a sync spec names
    ///   the JSON problem.
    public func prepare(_ request: JobRequest, resources live: JobResources) async throws -> (JobDefinition, [NewTask]) {
        let spec: SyncSpec
        do {
            spec = try JSONDecoder().decode(SyncSpec.self, from: request.spec)
        } catch {
            throw IngestError.invalidOption(name: "spec", reason: "it is not a sync job's spec: \(DecodingProblem.describe(error))")
        }
        let recorded = try await Self.keepingRecordedSpelling(resources, catalog: live.catalog)
        return try await SyncJob.prepare(
            spec, jobName: request.name, catalog: live.catalog, resources: recorded, defaultResource: defaultResource,
            configurationSource: configurationSource, schedule: request.schedule, profileFilename: request.profileFilename,
            policies: policies, objectStores: live.objectStores)
    }

    public func report(_ status: JobStatus, queues: [String: QueueCounts]) -> JobReport {
        guard let spec = try? JSONDecoder().decode(SyncSpec.self, from: status.spec) else {
            return JobReport(summary: "(spec unreadable)")
        }
        // Directories are still being listed while restart or path tasks remain.
        let listing = [spec.queues.restart, spec.queues.path].contains { queue in
            let counts = queues[queue] ?? QueueCounts()
            return counts.ready + counts.blocked + counts.running > 0
        }
        return JobReport(
            summary: "\(spec.source) -> \(spec.target) (\(spec.operation.rawValue))",
            details: [
                .init("source", spec.source), .init("target", spec.target), .init("operation", spec.operation.rawValue),
                .init("resource", spec.replicaResource), .init("delete_mode", spec.deleteMode.rawValue),
            ],
            totalIsFinal: !listing || status.state.isTerminal)
    }

    /// A vault that an earlier version recorded under another spelling of the same path
    /// (`/data/vault/` for today's normalised `/data/vault`) keeps the recorded one: the catalog
    /// compares resource paths as text and would otherwise refuse the job.
    public static func keepingRecordedSpelling(_ resources: [StorageResource], catalog: any Catalog) async throws -> [StorageResource] {
        let recorded = try await catalog.resources()
        return resources.map { resource in
            guard resource.type == ResourceType.vault.rawValue, let path = resource.path,
                  let earlier = recorded.first(where: { $0.name == resource.name && $0.type == resource.type }),
                  let earlierPath = earlier.path, earlierPath != path, ResourceDefinition.normalizedPath(earlierPath) == path
            else { return resource }
            return earlier
        }
    }
}
