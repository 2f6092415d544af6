extension PathPattern.Parser {
    typealias Flags = PathPattern.Flags

    /// What a `(` turned out to be.
    enum GroupResult {
        case item(Item)
        /// `(?#...)`, which leaves the previous item open to a quantifier, as in Python.
        case comment
        /// `(?aimsx)` without a colon: flags for the whole pattern.
        case globalFlags(FlagChange)
    }

    /// The flags an inline `(?...)` turns on and off.
    struct FlagChange {
        var on: Set<Unicode.Scalar> = []
        var off: Set<Unicode.Scalar> = []

        func applied(to flags: Flags) -> Flags {
            var result = flags
            for (letter, value) in on.map({ ($0, true) }) + off.map({ ($0, false) }) {
                switch letter {
                case "i": result.ignoreCase = value
                case "s": result.dotMatchesNewline = value
                case "m": result.multiline = value
                case "x": result.verbose = value
                case "a": result.asciiOnly = true
                case "u": result.asciiOnly = false
                default: break
                }
            }
            return result
        }
    }

    /// Everything after a `(`: groups, comments, flags, and the extensions that need backtracking.
    mutating func parseGroup(start: Int, flags: Flags, depth: Int) throws(PathPatternError) -> GroupResult {
        guard depth < Self.maximumNesting else {
            throw PathPatternError(
                kind: .tooLarge, pattern: pattern, position: start,
                problem: "more than \(Self.maximumNesting) nested groups", fix: "nest fewer groups")
        }
        guard take("?") else {
            groupCount += 1
            return .item(Item(node: try parseGroupBody(start: start, flags: flags, depth: depth)))
        }
        guard let kind = take() else { throw invalid("unexpected end of pattern", at: position) }
        switch kind {
        case ":":
            return .item(Item(node: try parseGroupBody(start: start, flags: flags, depth: depth)))
        case "P":
            return .item(Item(node: try parseNamedGroup(start: start, flags: flags, depth: depth)))
        case "#":
            try skipComment(start: start)
            return .comment
        case "=", "!":
            throw needsBacktracking(
                "a lookahead assertion (?\(kind)...)", at: start,
                fix: "rewrite it without lookaround, for example as several simpler patterns")
        case "<":
            guard let next = take() else { throw invalid("unexpected end of pattern", at: position) }
            guard next == "=" || next == "!" else {
                throw invalid("unknown extension ?<\(next)", at: start + 1, fix: "a named group is written (?P<name>...)")
            }
            throw needsBacktracking(
                "a lookbehind assertion (?<\(next)...)", at: start,
                fix: "rewrite it without lookaround, for example as several simpler patterns")
        case "(":
            throw needsBacktracking("a conditional group (?(...)...)", at: start, fix: "write an alternation (a|b) instead")
        case ">":
            throw needsBacktracking(
                "an atomic group (?>...)", at: start,
                fix: "write (?:...) instead: this matcher never backtracks, so atomic groups are not needed for speed")
        default:
            guard Self.flagLetters.contains(kind) || kind == "-" else {
                throw invalid("unknown extension ?\(kind)", at: start + 1)
            }
            let (change, isGlobal) = try parseFlags(first: kind)
            if isGlobal { return .globalFlags(change) }
            return .item(Item(node: try parseGroupBody(start: start, flags: change.applied(to: flags), depth: depth)))
        }
    }

    private mutating func parseGroupBody(start: Int, flags: Flags, depth: Int) throws(PathPatternError) -> PathPattern.Node {
        let body = try parseAlternatives(flags: flags, depth: depth + 1)
        guard take(")") else { throw invalid("missing ), unterminated subpattern", at: start) }
        return body
    }

    /// `(?P<name>...)`, and the `(?P=name)` backreference, which is refused.
    private mutating func parseNamedGroup(start: Int, flags: Flags, depth: Int) throws(PathPatternError) -> PathPattern.Node {
        guard let next = take() else { throw invalid("unexpected end of pattern", at: position) }
        switch next {
        case "<":
            let name = try readName(until: ">")
            groupCount += 1
            if let earlier = groupNumbers[name] {
                throw invalid("redefinition of group name '\(name)' as group \(groupCount); was group \(earlier)", at: start + 4)
            }
            groupNumbers[name] = groupCount
            return try parseGroupBody(start: start, flags: flags, depth: depth)
        case "=":
            let name = try readName(until: ")")
            throw needsBacktracking(
                "a backreference ((?P=\(name)))", at: start,
                fix: "match the repeated part with a pattern of its own, e.g. (?P<x>\\w+)-\\w+ rather than (?P<x>\\w+)-(?P=x)")
        default:
            throw invalid("unknown extension ?P\(next)", at: start + 1)
        }
    }

    /// A group name up to `terminator`, which must be a Python identifier.
    private mutating func readName(until terminator: Unicode.Scalar) throws(PathPatternError) -> String {
        let start = position
        while let scalar = take(), scalar != terminator {}
        let reachedTerminator = position > start && scalars[position - 1] == terminator
        let nameEnd = reachedTerminator ? position - 1 : position
        var name = ""
        name.unicodeScalars.append(contentsOf: scalars[start..<nameEnd])
        if name.isEmpty { throw invalid("missing group name", at: start) }
        if !reachedTerminator { throw invalid("missing \(terminator), unterminated name", at: start) }
        guard Self.isIdentifier(name) else { throw invalid("bad character in group name '\(name)'", at: start) }
        return name
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || first.properties.isXIDStart else { return false }
        return name.unicodeScalars.dropFirst().allSatisfy { $0 == "_" || $0.properties.isXIDContinue }
    }

    private mutating func skipComment(start: Int) throws(PathPatternError) {
        while true {
            guard let scalar = take() else { throw invalid("missing ), unterminated comment", at: start) }
            if scalar == ")" { return }
            // Python reads `\)` as one token, which does not end the comment.
            if scalar == "\\" && take() == nil { throw invalid("bad escape (end of pattern)", at: position - 1) }
        }
    }

    static let flagLetters: Set<Unicode.Scalar> = ["a", "i", "L", "m", "s", "t", "u", "x"]

    /// The letters after `(?`, read as Python reads them; `isGlobal` when they end with `)` rather
    /// than opening a group with `:`.
    private mutating func parseFlags(first: Unicode.Scalar) throws(PathPatternError) -> (change: FlagChange, isGlobal: Bool) {
        var change = FlagChange()
        var letter = first
        if letter != "-" {
            while true {
                try checkUsable(letter)
                change.on.insert(letter)
                if change.on.isSuperset(of: ["a", "u"]) {
                    throw invalid("bad inline flags: flags 'a', 'u' and 'L' are incompatible", at: position - 1)
                }
                guard let next = take() else { throw invalid("missing -, : or )", at: position) }
                letter = next
                if letter == ")" || letter == "-" || letter == ":" { break }
                guard Self.flagLetters.contains(letter) else {
                    throw invalid(letter.properties.isAlphabetic ? "unknown flag" : "missing -, : or )", at: position - 1)
                }
            }
        }
        if letter == ")" { return (change, true) }
        if letter == "-" {
            guard let next = take() else { throw invalid("missing flag", at: position) }
            letter = next
            while true {
                guard Self.flagLetters.contains(letter) else {
                    let problem = change.off.isEmpty ? "missing flag" : "missing :"
                    throw invalid(letter.properties.isAlphabetic ? "unknown flag" : problem, at: position - 1)
                }
                if letter == "a" || letter == "u" || letter == "L" {
                    throw invalid("bad inline flags: cannot turn off flags 'a', 'u' and 'L'", at: position - 1)
                }
                try checkUsable(letter)
                change.off.insert(letter)
                guard let next = take() else { throw invalid("missing :", at: position) }
                letter = next
                if letter == ":" { break }
            }
        }
        if !change.on.isDisjoint(with: change.off) {
            throw invalid("bad inline flags: flag turned on and off", at: position - 1)
        }
        return (change, false)
    }

    private func checkUsable(_ letter: Unicode.Scalar) throws(PathPatternError) {
        switch letter {
        case "L":
            throw invalid("bad inline flags: cannot use 'L' flag with a str pattern", at: position - 1)
        case "t":
            throw unsupported("the 't' (TEMPLATE) flag", at: position - 1, fix: "leave it out; Python deprecated it")
        default:
            break
        }
    }
}
