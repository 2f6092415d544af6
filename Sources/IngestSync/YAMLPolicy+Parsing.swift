import IngestCore
internal import Yams

/// Reads a policy from the composed YAML tree rather than with `Codable`: only the tree knows
/// line numbers, and only a reader that sees every key can tell an unknown key from a misspelt
/// or misplaced one and say which.
struct PolicyReader {
    static let topKeys = ["rules", "default"]
    static let matchKeys = ["path", "path_regex", "name", "name_regex", "extension", "size", "age", "type"]
    static let actionKeys = ["operation", "resource", "target_path", "metadata", "exclude", "max_retries", "delay", "timeout", "owner"]
    static let ruleKeys = ["match"] + actionKeys
    static let metadataKeys = ["name", "value", "units"]
    static let rangeKeys = ["min", "max"]

    func read(_ text: String) throws(PolicyProblem) -> (rules: [PolicyRule], fallback: PolicyAction?) {
        let root: Yams.Node?
        do {
            // No resolver rules: the default resolver compiles ICU expressions at every start, and
            // the reader decides itself what is a number or a boolean.
            root = try Yams.compose(yaml: text, .basic)
        } catch let error as YamlError {
            throw PolicyProblem(yamlError: error)
        } catch {
            throw PolicyProblem(line: nil, "cannot be read: \(error)")
        }
        guard let root, !PolicyValues.isNull(root) else {
            throw PolicyProblem(line: nil, "is empty; write `rules:` with a list of rules (and optionally `default:`), as docs/policy-yaml.md shows")
        }
        let top = try PolicySection(root, path: "", expected: "a mapping with rules: and default:", allowed: Self.topKeys) { key in
            Self.matchKeys.contains(key) || Self.actionKeys.contains(key) || key == "match"
                ? "belongs in a rule; write it under `rules:` as `- match: ...`" : nil
        }
        guard top["rules"] != nil || top["default"] != nil else {
            throw PolicyProblem(at: root, "has neither rules: nor default:, so it would change nothing; add rules (docs/policy-yaml.md)")
        }
        var rules: [PolicyRule] = []
        if let node = top["rules"] {
            guard case .sequence(let items) = node else {
                throw top.wrongType("rules", node, expected: "a list of rules, each starting with '- match:'")
            }
            for (index, item) in items.enumerated() {
                rules.append(try rule(item, path: "rules[\(index)]"))
            }
        }
        let fallback = try top["default"].map { node throws(PolicyProblem) in
            let section = try PolicySection(node, path: "default", expected: "a mapping of what to do", allowed: Self.actionKeys) { key in
                key == "match" || Self.matchKeys.contains(key)
                    ? "is a match key, but default applies to every file no rule matches; put a rule with that match under rules:" : nil
            }
            return try action(section)
        }
        return (rules, fallback)
    }

    private func rule(_ node: Yams.Node, path: String) throws(PolicyProblem) -> PolicyRule {
        let section = try PolicySection(node, path: path, expected: "a rule: a mapping with match: and what to do", allowed: Self.ruleKeys) { key in
            Self.matchKeys.contains(key) ? "is a match key; indent it under this rule's match:" : nil
        }
        guard let matchNode = section["match"] else {
            throw PolicyProblem(
                at: node, "'\(path)' has no match:; every rule needs one (for the files no rule matches, write default: after the rules)")
        }
        return PolicyRule(match: try match(matchNode, path: section.keyPath("match")), action: try action(section))
    }

    // MARK: Match

    private func match(_ node: Yams.Node, path: String) throws(PolicyProblem) -> PolicyMatch {
        let section = try PolicySection(node, path: path, expected: "a mapping of match keys", allowed: Self.matchKeys) { key in
            Self.actionKeys.contains(key) ? "says what to do, not what to match; move it out of match:, level with it" : nil
        }
        guard !section.keys.isEmpty else {
            throw PolicyProblem(
                at: node, "'\(path)' is empty; give at least one of \(Self.matchKeys.joined(separator: ", ")) (for every file, use default:)")
        }
        var kinds: EntryKinds?
        if let types = try section.strings("type") {
            var named: EntryKinds = []
            for (text, item) in types {
                guard let kind = EntryKinds.names.first(where: { $0.name == text.lowercased() })?.kind else {
                    let names = EntryKinds.names.map(\.name)
                    let near = Suggestion.closest(to: text, among: names).map { " (did you mean '\($0)'?)" } ?? ""
                    throw PolicyProblem(
                        at: item, "'\(section.keyPath("type"))' is '\(text)', which is not a type\(near); use \(names.joined(separator: ", "))")
                }
                named.insert(kind)
            }
            kinds = named
        }
        return PolicyMatch(
            kinds: kinds, sizes: try comparisons(section, "size", .size), ages: try comparisons(section, "age", .age),
            extensions: try section.strings("extension")?.map { ExtensionSuffix($0.text) } ?? [],
            name: try glob(section, "name", PolicyGlob.name), path: try glob(section, "path", PolicyGlob.path),
            nameRegex: try regex(section, "name_regex"), pathRegex: try regex(section, "path_regex"))
    }

    /// `"OP AMOUNT"`, or `{min: AMOUNT, max: AMOUNT}` (both inclusive, either optional).
    private func comparisons(_ section: PolicySection, _ key: String, _ quantity: Quantity) throws(PolicyProblem) -> [Comparison] {
        guard let node = section[key] else { return [] }
        func value<T>(_ result: Result<T, QuantityProblem>, at node: Yams.Node?, key: String) throws(PolicyProblem) -> T {
            switch result {
            case .success(let value): return value
            case .failure(let problem): throw PolicyProblem(at: node, "'\(key)': \(problem.message)")
            }
        }
        switch node {
        case .scalar(let scalar):
            return [try value(quantity.comparison(scalar.string), at: node, key: section.keyPath(key))]
        case .mapping:
            let range = try PolicySection(node, path: section.keyPath(key), expected: "a range", allowed: Self.rangeKeys)
            var bounds: [Comparison] = []
            for (bound, op) in [("min", Comparison.Operator.greaterOrEqual), ("max", .lessOrEqual)] {
                guard let text = try range.string(bound) else { continue }
                bounds.append(Comparison(op: op, bound: try value(quantity.amount(text), at: range[bound], key: range.keyPath(bound))))
            }
            guard !bounds.isEmpty else {
                throw PolicyProblem(at: node, "'\(section.keyPath(key))' is an empty range; give min:, max: or both")
            }
            if bounds.count == 2, bounds[0].bound > bounds[1].bound {
                throw PolicyProblem(at: node, "'\(section.keyPath(key))' has min above max, so nothing matches; swap them")
            }
            return bounds
        default:
            let example = quantity == .size ? "\">= 1MiB\" or {min: 1MiB, max: 1GiB}" : "\"> 30d\" or {min: 1d, max: 30d}"
            throw section.wrongType(key, node, expected: "a comparison such as \(example)")
        }
    }

    private func glob(
        _ section: PolicySection, _ key: String, _ compile: (String) throws(GlobError) -> PolicyGlob
    ) throws(PolicyProblem) -> PolicyGlob? {
        guard let text = try section.string(key) else { return nil }
        do {
            return try compile(text)
        } catch {
            throw PolicyProblem(at: section[key], "'\(section.keyPath(key))': \(error.description)")
        }
    }

    /// Compiled by `PathPattern`, as `--exclude_file_name` patterns are, so both mean the same.
    private func regex(_ section: PolicySection, _ key: String) throws(PolicyProblem) -> PolicyRegex? {
        guard let text = try section.string(key) else { return nil }
        do {
            return try PolicyRegex(text)
        } catch {
            throw PolicyProblem(at: section[key], "'\(section.keyPath(key))': \(error.description)")
        }
    }

    // MARK: Actions

    private func action(_ section: PolicySection) throws(PolicyProblem) -> PolicyAction {
        let exclude = try section.bool("exclude") ?? false
        if exclude, let other = section.keys.first(where: { Self.actionKeys.contains($0) && $0 != "exclude" }) {
            throw PolicyProblem(
                at: section.entries[other]?.key,
                "'\(section.keyPath(other))' has no effect, because exclude: true leaves the entry out; remove one of them")
        }
        var operation: SyncOperation?
        if let text = try section.string("operation") {
            guard let known = SyncOperation(userValue: text) else {
                let names = SyncOperation.allCases.map(\.rawValue)
                let near = Suggestion.closest(to: text, among: names).map { " (did you mean \($0)?)" } ?? ""
                throw PolicyProblem(
                    at: section["operation"],
                    "'\(section.keyPath("operation"))' is '\(text)', which is not an operation\(near); use one of \(names.joined(separator: ", "))")
            }
            operation = known
        }
        var targetPath: PolicyTemplate?
        if let text = try section.string("target_path") {
            let template = try template(text, at: section["target_path"], key: section.keyPath("target_path"))
            guard template.isAbsolute else {
                throw PolicyProblem(
                    at: section["target_path"],
                    "'\(section.keyPath("target_path"))' is '\(text)', which does not give an absolute path; start it with '/', {root} or {path}")
            }
            targetPath = template
        }
        return PolicyAction(
            operation: operation, resource: try section.string("resource"), targetPath: targetPath, owner: try section.string("owner"),
            metadata: try metadata(section), exclude: exclude, maxRetries: try section.count("max_retries"),
            delay: try section.seconds("delay", allowZero: true), timeout: try section.seconds("timeout", allowZero: false))
    }

    private func metadata(_ section: PolicySection) throws(PolicyProblem) -> [MetadataTemplate] {
        guard let node = section["metadata"] else { return [] }
        guard case .sequence(let items) = node else {
            throw section.wrongType("metadata", node, expected: "a list of {name: ..., value: ..., units: ...}")
        }
        return try items.enumerated().map { index, item throws(PolicyProblem) in
            let entry = try PolicySection(
                item, path: section.keyPath("metadata[\(index)]"), expected: "a mapping {name: ..., value: ..., units: ...}",
                allowed: Self.metadataKeys)
            guard let name = try entry.string("name") else {
                throw PolicyProblem(at: item, "'\(entry.path)' has no name:; every metadata item needs an attribute name")
            }
            guard let value = try entry.string("value") else {
                throw PolicyProblem(at: item, "'\(entry.path)' has no value:; add one (the catalog keeps no empty values)")
            }
            let units = try entry.string("units", nonEmpty: false) ?? ""
            return MetadataTemplate(
                name: try template(name, at: entry["name"], key: entry.keyPath("name")),
                value: try template(value, at: entry["value"], key: entry.keyPath("value")),
                units: try template(units, at: entry["units"], key: entry.keyPath("units")))
        }
    }

    private func template(_ text: String, at node: Yams.Node?, key: String) throws(PolicyProblem) -> PolicyTemplate {
        do {
            return try PolicyTemplate(text)
        } catch {
            throw PolicyProblem(at: node, "'\(key)' is \(error.description)")
        }
    }
}
