internal import Yams

/// Something wrong in a policy file: the line (from 1, when known) and a message that says what
/// is wrong and what to write instead. `YAMLPolicy.init` puts the file's name in front.
struct PolicyProblem: Error, Equatable {
    let line: Int?
    let message: String

    init(at node: Yams.Node?, _ message: String) {
        line = node?.mark?.line
        self.message = message
    }

    init(line: Int?, _ message: String) {
        self.line = line
        self.message = message
    }

    /// The parser's complaint and position, without the snippets Yams puts in its descriptions.
    init(yamlError error: YamlError) {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let context = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            self.init(line: mark.line, "not valid YAML at column \(mark.column): \(problem)\(context); fix the syntax there")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            self.init(line: context.mark.line, "key \(keys) appears more than once in one mapping; keep one")
        default:
            self.init(line: nil, "not valid YAML: \(error)")
        }
    }
}

/// A mapping of the policy after its keys were checked, with the nodes (for lines) by key.
struct PolicySection {
    /// Where it is, as messages name it: `rules[2].match`, `default`; empty for the top level.
    let path: String
    private(set) var entries: [String: (key: Yams.Node, value: Yams.Node)] = [:]
    /// The keys in the order written.
    private(set) var keys: [String] = []

    /// Checks every key of `node` against `allowed`.
    /// - Parameters:
    ///   - expected: what the node should be, for the message when it is not a mapping.
    ///   - misplaced: for a key not allowed here, why (it belongs elsewhere), or nil.
    init(_ node: Yams.Node, path: String, expected: String, allowed: [String], misplaced: (String) -> String? = { _ in nil }) throws(PolicyProblem) {
        self.path = path
        guard case .mapping(let mapping) = node else {
            throw PolicyProblem(at: node, "'\(path.isEmpty ? "(top level)" : path)' must be \(expected), not \(PolicyValues.describe(node))")
        }
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw PolicyProblem(at: key, "a key \(place) is \(PolicyValues.describe(key)); keys are names such as \(allowed[0])")
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                if let reason = misplaced(name) {
                    throw PolicyProblem(at: key, "'\(name)' \(place) \(reason)")
                }
                let near = Suggestion.closest(to: name, among: allowed).map { " (did you mean '\($0)'?)" } ?? ""
                throw PolicyProblem(
                    at: key, "unknown key '\(name)' \(place)\(near); the keys allowed there are \(allowed.joined(separator: ", "))")
            }
            entries[name] = (key, value)
            keys.append(name)
        }
    }

    subscript(key: String) -> Yams.Node? {
        guard let value = entries[key]?.value, !PolicyValues.isNull(value) else { return nil }
        return value
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// "in 'rules[0]'", or "at the top level".
    private var place: String { path.isEmpty ? "at the top level" : "in '\(path)'" }

    // MARK: Values

    /// Any scalar is text (`resource: 1` is "1"), but not a list or a mapping.
    func string(_ key: String, nonEmpty: Bool = true) throws(PolicyProblem) -> String? {
        guard let node = self[key] else { return nil }
        guard case .scalar(let scalar) = node else {
            throw wrongType(key, node, expected: "a single value (text)")
        }
        if nonEmpty && scalar.string.isEmpty {
            throw PolicyProblem(at: node, "'\(keyPath(key))' is empty; give a value or remove the key")
        }
        return scalar.string
    }

    /// One text or a list of them (`extension: fits` or `extension: [fits, fit]`).
    func strings(_ key: String) throws(PolicyProblem) -> [(text: String, node: Yams.Node)]? {
        guard let node = self[key] else { return nil }
        let items: [Yams.Node]
        switch node {
        case .scalar: items = [node]
        case .sequence(let sequence): items = Array(sequence)
        default: throw wrongType(key, node, expected: "one value or a list of values")
        }
        guard !items.isEmpty else {
            throw PolicyProblem(at: node, "'\(keyPath(key))' is an empty list; give at least one value or remove the key")
        }
        return try items.map { item throws(PolicyProblem) in
            guard case .scalar(let scalar) = item, !scalar.string.isEmpty else {
                throw wrongType(key, item, expected: "one value or a list of values, each a non-empty text")
            }
            return (scalar.string, item)
        }
    }

    func bool(_ key: String) throws(PolicyProblem) -> Bool? {
        guard let node = self[key] else { return nil }
        switch node.scalar?.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw wrongType(key, node, expected: "true or false")
        }
    }

    func count(_ key: String) throws(PolicyProblem) -> Int? {
        guard let node = self[key] else { return nil }
        guard let text = node.scalar?.string, text.allSatisfy(\.isASCII), let value = Int(text), value >= 0 else {
            throw wrongType(key, node, expected: "a whole number, 0 or more")
        }
        return value
    }

    /// Seconds: a number (`600`, `0.5`) or an amount with a unit (`10m`, `2h`).
    func seconds(_ key: String, allowZero: Bool) throws(PolicyProblem) -> Double? {
        guard let node = self[key] else { return nil }
        let expected = "a number of seconds\(allowZero ? "" : " above 0") or an amount with a unit such as 10m"
        guard let text = node.scalar?.string else { throw wrongType(key, node, expected: expected) }
        let seconds: Double
        if let number = Double(text), number.isFinite {
            seconds = number
        } else {
            switch Quantity.age.amount(text) {
            case .success(let nanoseconds): seconds = Double(nanoseconds) / 1e9
            case .failure(let problem): throw PolicyProblem(at: node, "'\(keyPath(key))' must be \(expected): \(problem.message)")
            }
        }
        guard seconds > 0 || (allowZero && seconds == 0) else { throw wrongType(key, node, expected: expected) }
        return seconds
    }

    func wrongType(_ key: String, _ node: Yams.Node, expected: String) -> PolicyProblem {
        PolicyProblem(at: node, "'\(keyPath(key))' must be \(expected), not \(PolicyValues.describe(node))")
    }
}

enum PolicyValues {
    /// YAML's null: an explicit `!!null`, or a plain `~`, `null` or nothing (the reader uses no
    /// resolver rules, so it tells nulls from text itself).
    static func isNull(_ node: Yams.Node) -> Bool {
        guard case .scalar(let scalar) = node else { return false }
        if node.tag.description == Tag.Name.null.rawValue { return true }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func describe(_ node: Yams.Node) -> String {
        switch node {
        case .scalar(let scalar): "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
