import Foundation
import IngestCore
import IngestGraph

/// Finds the graph job a command is about: the one named, or else the most recently started.
enum GraphJobLookup {
    static func find(_ name: String?, broker: any Broker) async throws -> (JobStatus, GraphSpec) {
        if let name {
            guard let status = try await broker.job(named: name) else { throw IngestError.jobNotFound(name) }
            guard let spec = GraphSpec.decode(from: status) else {
                throw ValidationFailure("job '\(name)' is a \(status.kind) job, not a graph; `ingest list` shows the jobs")
            }
            return (status, spec)
        }
        let graphs = try await broker.jobs().filter { $0.kind == GraphSpec.jobKind }
        guard let latest = graphs.max(by: { $0.createdAt < $1.createdAt }), let spec = GraphSpec.decode(from: latest) else {
            throw ValidationFailure("no graph jobs; start one with `ingest graph GRAPH_ID dataset.yml`")
        }
        return (latest, spec)
    }

    /// The store of a graph: `--store` (an SQLite path or a postgres:// URL), else the one its job
    /// recorded, else the default SQLite location.
    static func store(graph: String, explicit: String?, broker: any Broker, opener: any GraphStoreOpener) async throws -> any GraphStorage {
        var location = explicit.map { explicit in
            explicit.hasPrefix("postgres://") || explicit.hasPrefix("postgresql://") ? GraphStoreLocation.postgres(url: explicit) : .sqlite(path: explicit)
        }
        if location == nil, let status = try? await broker.job(named: graph), let spec = GraphSpec.decode(from: status) {
            location = spec.store
        }
        return try await opener.open(location ?? .sqlite(path: defaultStorePath(graph)), graph: graph, create: false)
    }

    static func defaultStorePath(_ graph: String) -> String {
        "\(ConnectionOptions.home)/graphs/\(graph).sqlite"
    }
}

/// A refusal with a message and nothing else (exit status 1).
struct ValidationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
