/// One edit of the metadata on a collection or data object, named by logical path, for
/// `Catalog.applyMetadata`. The four cases are what iRODS event handlers do with `imeta`.
public enum MetadataChange: Sendable, Equatable {
    /// Adds the triple; one already there is kept once.
    case add(path: String, MetadataTriple)
    /// Removes the triple (attribute, value and units all equal); nothing happens if it is absent.
    case remove(path: String, MetadataTriple)
    /// Removes every triple with `attribute`, or with nil every triple on the path.
    case removeAll(path: String, attribute: String?)
    /// Replaces every value of the triple's attribute with this one triple (`imeta set`).
    case set(path: String, MetadataTriple)

    /// The collection or data object the change is for.
    public var path: String {
        switch self {
        case .add(let path, _), .remove(let path, _), .removeAll(let path, _), .set(let path, _): path
        }
    }
}

/// What a list of `MetadataChange`s does, reduced to one set of removals applied first and one set
/// of additions applied after: so a catalog applies any list in two statements (PostgreSQL) or two
/// loops of prepared statements (SQLite), and both catalogs get the same result from the same list.
///
/// The reduction is exact. Applying removals R then additions A gives (state − R) ∪ A; a further
/// removal r gives (state − (R ∪ {r})) ∪ (A − r), and a further addition a gives (state − R) ∪ (A ∪ {a}).
/// So each change updates R and A without looking at what the catalog holds. Paths, attributes, values
/// and units compare by their bytes, as the catalogs' text columns do.
public struct MetadataEdit: Sendable {
    /// What a removal matches on its path.
    public enum Pattern: Sendable, Equatable {
        /// Every triple.
        case all
        /// Every triple with this attribute.
        case attribute(String)
        /// This triple exactly.
        case triple(MetadataTriple)

        func matches(_ triple: MetadataTriple) -> Bool {
            switch self {
            case .all: true
            case .attribute(let attribute): triple.attribute.utf8.elementsEqual(attribute.utf8)
            case .triple(let other): ExactTriple(triple) == ExactTriple(other)
            }
        }
    }

    public struct Removal: Sendable, Equatable {
        public var path: String
        public var pattern: Pattern
    }

    public struct Addition: Sendable, Equatable {
        public var path: String
        public var triple: MetadataTriple
    }

    /// Every path the changes name, once each, in the order first named: each must exist, even one
    /// whose changes cancel out, so that a list fails or succeeds whatever it reduces to.
    public private(set) var paths: [String] = []
    /// Applied first.
    public private(set) var removals: [Removal] = []
    /// Applied after the removals; no triple twice on one path.
    public private(set) var additions: [Addition] = []

    public init(_ changes: [MetadataChange]) {
        var edits: [ExactName: PathEdit] = [:]
        for change in changes {
            let path = ExactName(change.path)
            if edits[path] == nil {
                paths.append(change.path)
                edits[path] = PathEdit()
            }
            switch change {
            case .add(_, let triple):
                edits[path]!.add(triple)
            case .remove(_, let triple):
                edits[path]!.remove(.triple(triple))
            case .removeAll(_, let attribute):
                edits[path]!.remove(attribute.map(Pattern.attribute) ?? .all)
            case .set(_, let triple):
                edits[path]!.remove(.attribute(triple.attribute))
                edits[path]!.add(triple)
            }
        }
        for path in paths {
            let edit = edits[ExactName(path)]!
            removals += edit.patterns.map { Removal(path: path, pattern: $0) }
            additions += edit.triples.map { Addition(path: path, triple: $0) }
        }
    }

    /// The removals and additions of one path so far.
    private struct PathEdit {
        var patterns: [Pattern] = []
        /// In the order added.
        var triples: [MetadataTriple] = []
        var present: Set<ExactTriple> = []

        mutating func add(_ triple: MetadataTriple) {
            if present.insert(ExactTriple(triple)).inserted { triples.append(triple) }
        }

        mutating func remove(_ pattern: Pattern) {
            if !present.isEmpty {
                triples.removeAll { pattern.matches($0) }
                present = Set(triples.map(ExactTriple.init))
            }
            // After a removal of everything, narrower removals add nothing.
            if patterns == [.all] { return }
            if pattern == .all {
                patterns = [.all]
            } else {
                patterns.append(pattern)
            }
        }
    }
}

/// A triple compared by the bytes of its parts (see `ExactName`).
private struct ExactTriple: Hashable {
    var attribute: ExactName
    var value: ExactName
    var units: ExactName

    init(_ triple: MetadataTriple) {
        attribute = ExactName(triple.attribute)
        value = ExactName(triple.value)
        units = ExactName(triple.units)
    }
}
