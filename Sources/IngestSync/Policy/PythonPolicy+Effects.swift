import IngestCore

/// A metadata write a hook made, applied by the policy after the hook returned.
enum MetadataEffect: Sendable, Equatable {
    case add(path: String, triple: MetadataTriple)
    case remove(path: String, triple: MetadataTriple)
    /// Every value of one attribute (`metadata[name] = ...` sends this, then an `add`).
    case removeAll(path: String, attribute: String)

    init(_ wire: WireEffect) {
        let triple = MetadataTriple(attribute: wire.attribute, value: wire.value ?? "", units: wire.units ?? "")
        switch wire.op {
        case "add": self = .add(path: wire.path, triple: triple)
        case "remove": self = .remove(path: wire.path, triple: triple)
        default: self = .removeAll(path: wire.path, attribute: wire.attribute)
        }
    }
}

extension PythonPolicy {
    /// Why a call's writes cannot be applied, or nil: every change reaches the catalog.
    static func unsupportedMetadataChange(in effects: [MetadataEffect]) -> String? { nil }

    /// Applies hooks' metadata writes to the catalog, in order, in one transaction.
    /// - Throws: `IngestError.notFoundInCatalog` for a path with nothing there (nothing is applied).
    func applyMetadataEffects(_ effects: [MetadataEffect]) async throws {
        let changes: [MetadataChange] = effects.map { effect in
            switch effect {
            case .add(let path, let triple): .add(path: path, triple)
            case .remove(let path, let triple): .remove(path: path, triple)
            case .removeAll(let path, let attribute): .removeAll(path: path, attribute: attribute)
            }
        }
        try await services.catalog.applyMetadata(changes)
    }
}
