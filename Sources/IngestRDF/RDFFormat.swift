import Foundation

/// The RDF serialisations Ingest reads and writes, with the names users and servers give them.
public enum RDFFormat: String, Sendable, CaseIterable, Codable {
    case nTriples = "ntriples"
    case nQuads = "nquads"
    case turtle

    /// The media type a store expects in `Content-Type` for this format.
    public var mediaType: String {
        switch self {
        case .nTriples: "application/n-triples"
        case .nQuads: "application/n-quads"
        case .turtle: "text/turtle"
        }
    }

    /// The usual file name suffixes, the first being the one Ingest writes.
    public var fileExtensions: [String] {
        switch self {
        case .nTriples: ["nt"]
        case .nQuads: ["nq"]
        case .turtle: ["ttl"]
        }
    }

    /// Whether a document in this format can name graphs (only N-Quads can here).
    public var carriesGraphs: Bool { self == .nQuads }

    /// The format a file name's suffix names (`.nt`, `.nq`, `.ttl`, also under `.gz`), or nil.
    public init?(fileName: String) {
        var name = fileName.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let suffix = String(name[name.index(after: dot)...])
        guard let format = Self.allCases.first(where: { $0.fileExtensions.contains(suffix) }) else { return nil }
        self = format
    }

    /// The format a `Content-Type` value names, parameters ignored, or nil.
    public init?(mediaType: String) {
        let bare = mediaType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard let format = Self.allCases.first(where: { $0.mediaType == bare }) else { return nil }
        self = format
    }
}
