/// Which kind of SPARQL store an endpoint is: it decides how bulk loads travel (each store has its
/// own fast path) while queries and updates speak plain SPARQL 1.1 to all of them.
public enum StoreFlavor: String, Sendable, CaseIterable, Codable {
    /// Oxigraph: `POST /store?no_transaction` bulk path.
    case oxigraph
    /// Virtuoso: its bulk loader (`ld_dir` + `rdf_loader_run`), or Graph Store requests.
    case virtuoso
    /// Any SPARQL 1.1 store: Graph Store HTTP Protocol requests.
    case graphStore = "graph-store"
    /// Amazon Neptune: its loader API (`POST /loader`, `GET /loader/{loadId}`).
    case neptune

    /// Reads a flavour from configuration, naming the accepted values when it is not one.
    public init(configured value: String) throws(StoreConfigurationError) {
        guard let flavor = Self(rawValue: value.lowercased()) else {
            throw StoreConfigurationError(
                "unknown store type \"\(value)\"; use one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = flavor
    }
}

/// A store setting that cannot work, with the fix in its message.
public struct StoreConfigurationError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
