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
    /// Why a call's writes cannot be applied, or nil. Only adding reaches the catalog so far.
    ///
    /// LEAD: once `Catalog.applyMetadata` exists, return nil here (every change is supported).
    static func unsupportedMetadataChange(in effects: [MetadataEffect]) -> String? {
        for effect in effects {
            switch effect {
            case .add: continue
            case .remove(let path, let triple):
                return "metadata.remove('\(triple.attribute)', ...) on '\(path)' is not supported yet: this catalog can only add metadata"
            case .removeAll(let path, let attribute):
                return "replacing or removing metadata '\(attribute)' on '\(path)' is not supported yet: this catalog can only add metadata"
            }
        }
        return nil
    }

    /// Applies hooks' metadata writes to the catalog, in order.
    ///
    /// LEAD: switch to one `Catalog.applyMetadata(_:)` call (one transaction) mapping each effect to a
    /// `MetadataChange`; until then, adds are grouped per path and anything else is refused.
    /// - Throws: `IngestError.notFoundInCatalog` for a path with nothing there.
    func applyMetadataEffects(_ effects: [MetadataEffect]) async throws {
        var order: [String] = []
        var triples: [String: [MetadataTriple]] = [:]
        for effect in effects {
            guard case .add(let path, let triple) = effect else {
                throw IngestError.refused(Self.unsupportedMetadataChange(in: [effect]) ?? "unsupported metadata change")
            }
            if triples[path] == nil {
                order.append(path)
            }
            triples[path, default: []].append(triple)
        }
        for path in order {
            try await services.catalog.addMetadata(triples[path]!, to: path)
        }
    }
}
