import IngestCore

/// A text with placeholders, as a policy's `target_path` and metadata are written:
/// `/mnt/archive/{collection}/{name}`, `{mtime:%Y-%m-%d}`. `{{` and `}}` are literal braces.
///
/// Parsed when the policy is read, so that a misspelt placeholder stops `ingest start` instead of
/// reaching catalog metadata as text; rendering then only concatenates.
struct PolicyTemplate: Sendable, Equatable {
    /// What a placeholder names; the raw values are the placeholders' spellings.
    enum Field: String, CaseIterable, Sendable {
        /// The full source path.
        case path
        /// The source path below the job's source directory, without a leading `/`.
        case relative
        /// The job's source directory.
        case root
        /// The job's name.
        case job
        /// The logical path the entry syncs to.
        case target
        /// The collection the entry syncs into (the target's parent).
        case collection
        /// The last element of the source path, and its parts around the last dot.
        case name, stem, ext
        /// In bytes.
        case size
        /// In UTC: ISO 8601 by default, or `{mtime:FORMAT}`.
        case mtime
    }

    enum Part: Sendable, Equatable {
        case text(String)
        case field(Field)
        case time(TimeFormat)
    }

    /// The template as written.
    let source: String
    let parts: [Part]

    /// Every placeholder, as messages list them.
    static let knownPlaceholders = Field.allCases.map { "{\($0.rawValue)}" } + ["{mtime:FORMAT}"]

    init(_ source: String) throws(TemplateError) {
        self.source = source
        var parts: [Part] = []
        var text = ""
        var rest = Substring(source)
        while let character = rest.popFirst() {
            switch character {
            case "{" where rest.first == "{":
                rest.removeFirst()
                text.append("{")
            case "}" where rest.first == "}":
                rest.removeFirst()
                text.append("}")
            case "}":
                throw TemplateError(template: source, problem: "a '}' closes no placeholder", fix: "write '}}' for a literal '}'")
            case "{":
                guard let close = rest.firstIndex(of: "}") else {
                    throw TemplateError(
                        template: source, problem: "a '{' is not closed", fix: "close the placeholder with '}', or write '{{' for a literal '{'")
                }
                if !text.isEmpty { parts.append(.text(text)) }
                text = ""
                parts.append(try Self.placeholder(rest[..<close], in: source))
                rest = rest[rest.index(after: close)...]
            default:
                text.append(character)
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
    }

    private static func placeholder(_ body: Substring, in source: String) throws(TemplateError) -> Part {
        let name = body.prefix { $0 != ":" }
        guard let field = Field(rawValue: String(name)) else {
            let near = Suggestion.closest(to: String(name), among: Field.allCases.map(\.rawValue)).map { " (did you mean {\($0)}?)" } ?? ""
            throw TemplateError(
                template: source, problem: "{\(body)} is not a placeholder\(near)",
                fix: "known placeholders: \(knownPlaceholders.joined(separator: ", ")); write '{{' for a literal '{'")
        }
        guard name.endIndex < body.endIndex else { return field == .mtime ? .time(.iso8601) : .field(field) }
        guard field == .mtime else {
            throw TemplateError(template: source, problem: "{\(body)} has a format, but only {mtime} takes one", fix: "write {\(name)}")
        }
        return .time(try TimeFormat(String(body[body.index(after: name.endIndex)...]), in: source))
    }

    /// Whether every rendering starts with `/`: the template starts with `/`, `{path}` or `{root}`.
    var isAbsolute: Bool {
        switch parts.first {
        case .text(let text): text.hasPrefix("/")
        case .field(let field): field == .path || field == .root
        case .time, nil: false
        }
    }

    func render(_ entry: PolicyEntry, job: PolicyJob) -> String {
        if parts.count == 1, case .text(let text) = parts[0] { return text }
        var result = ""
        for part in parts {
            switch part {
            case .text(let text): result += text
            case .field(let field): result += Self.value(of: field, entry, job)
            case .time(let format): result += format.render(nanosecondsSinceEpoch: entry.mtimeNanos)
            }
        }
        return result
    }

    private static func value(of field: Field, _ entry: PolicyEntry, _ job: PolicyJob) -> String {
        switch field {
        case .path: return entry.path
        case .relative: return relative(entry.path, below: job.root)
        case .root: return job.root
        case .job: return job.name
        case .target: return entry.target
        case .collection: return LogicalPath.parent(of: entry.target) ?? "/"
        case .name: return String(NameParts(entry.path).name)
        case .stem: return String(NameParts(entry.path).stem)
        case .ext: return String(NameParts(entry.path).ext)
        case .size: return String(entry.size)
        case .mtime: return TimeFormat.iso8601.render(nanosecondsSinceEpoch: entry.mtimeNanos)
        }
    }

    /// The path below `root` (a root given with a trailing `/` included); the whole path if it is not below it.
    static func relative(_ path: String, below root: String) -> String {
        var root = Substring(root)
        while root.count > 1 && root.hasSuffix("/") { root = root.dropLast() }
        if path == root { return "" }
        let prefix = root == "/" ? "/" : root + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

/// A path's last element split at its last dot, as Python's `pathlib` splits `stem` and `suffix`:
/// leading dots belong to the stem (`.bashrc` has no extension), and so does a final dot.
struct NameParts {
    let name: Substring
    let stem: Substring
    /// Without the dot.
    let ext: Substring

    init(_ path: String) {
        let name = path.lastIndex(of: "/").map { path[path.index(after: $0)...] } ?? path[...]
        self.name = name
        let body = name.drop { $0 == "." }
        if let dot = body.lastIndex(of: "."), body.index(after: dot) < body.endIndex {
            stem = name[..<dot]
            ext = name[name.index(after: dot)...]
        } else {
            stem = name
            ext = name[name.endIndex...]
        }
    }
}

/// Why a template was refused.
struct TemplateError: Error, Equatable {
    let template: String
    let problem: String
    let fix: String

    var description: String { "'\(template)': \(problem); \(fix)" }
}
