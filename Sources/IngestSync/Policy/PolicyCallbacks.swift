import IngestCore

/// Answers the host's callbacks: catalog reads for the emulated session, and `get_redis` commands.
struct PolicyCallbacks: Sendable {
    /// Nil while a handler is only checked: there is no catalog to read then.
    var catalog: (any Catalog)?
    var sharedValues: any PolicySharedValues

    /// A callback Ingest does not answer; the handler sees it as an exception with this message.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    func answer(_ callback: HostCallback) async throws -> JSONValue {
        switch callback.op {
        case "lookup": try await lookup(callback)
        case "shared": try await shared(callback)
        default: throw Refusal(description: "Ingest does not answer '\(callback.op)'")
        }
    }

    /// `{"exists": bool, "metadata": [[attribute, value, units], ...]}` of a data object or collection.
    private func lookup(_ callback: HostCallback) async throws -> JSONValue {
        guard let path = callback.path else { throw Refusal(description: "a lookup without a path") }
        guard let catalog else {
            throw Refusal(description: "the catalog cannot be read while the event handler is only checked")
        }
        let metadata: [MetadataTriple]?
        switch callback.kind {
        case "data_object": metadata = try await catalog.dataObject(at: path)?.metadata
        case "collection": metadata = try await catalog.collection(at: path)?.metadata
        default: throw Refusal(description: "a lookup of unknown kind '\(callback.kind ?? "")'")
        }
        guard let metadata else { return .object(["exists": .bool(false)]) }
        let triples = metadata.map { JSONValue.array([.string($0.attribute), .string($0.value), .string($0.units)]) }
        return .object(["exists": .bool(true), "metadata": .array(triples)])
    }

    private func shared(_ callback: HostCallback) async throws -> JSONValue {
        let key = callback.key ?? ""
        switch callback.command {
        case "get":
            return try await sharedValues.get(key).map(JSONValue.string) ?? .null
        case "set":
            try await sharedValues.set(key, to: callback.value ?? "", expiresAfter: callback.seconds)
            return .bool(true)
        case "incr":
            return .int(try await sharedValues.increment(key, by: callback.amount ?? 1))
        case "delete":
            return .int(Int64(try await sharedValues.delete(callback.keys ?? [])))
        case "expire":
            return .bool(try await sharedValues.expire(key, after: callback.seconds ?? 0))
        default:
            throw Refusal(description: "get_redis() has no command '\(callback.command ?? "")' in Ingest")
        }
    }
}
