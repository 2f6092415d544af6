import IngestCore

/// A storage resource with what the catalog holds on it, as `ingest resource ls` shows it.
public struct ResourceSummary: Encodable, Sendable {
    public var name: String
    public var type: String
    /// The vault directory of a copy resource; nil for `inplace`.
    @Nullable public var path: String?
    /// Replicas on the resource: one per data object stored there.
    public var objects: Int64
    public var bytes: Int64
}

extension IngestRuntime {
    /// Every resource of the configuration file and of the catalog, by name; those defined but
    /// not used yet show with zero counts.
    public func resources(catalog: any Catalog) async throws -> [ResourceSummary] {
        var usage = try await catalog.resourceUsage()
        for defined in settings.configuration.resources where !usage.contains(where: { $0.resource.name == defined.name }) {
            usage.append(ResourceUsage(resource: defined.storageResource, replicas: 0, bytes: 0))
        }
        return usage.sorted { $0.resource.name < $1.resource.name }.map {
            ResourceSummary(name: $0.resource.name, type: $0.resource.type, path: $0.resource.path, objects: $0.replicas, bytes: $0.bytes)
        }
    }
}
