extension PathPattern {
    /// Reads Python `re` syntax (as of Python 3.11) into a `Node`, with Python's error messages.
    struct Parser {
        /// Deeper nesting is refused rather than risking the stack of the recursive parser and compiler.
        static let maximumNesting = 200

        let pattern: String
        let scalars: [Unicode.Scalar]
        var position = 0
        /// Flags set by `(?...)` at the start of the pattern, which hold for all of it.
        var globalFlags = Flags()
        /// The `a` and `u` flags set globally, which Python refuses together.
        var globalTypeFlags: Set<Unicode.Scalar> = []
        var groupCount = 0
        var groupNumbers: [String: Int] = [:]

        init(_ pattern: String) {
            self.pattern = pattern
            scalars = Array(pattern.unicodeScalars)
        }

        mutating func parsePattern() throws(PathPatternError) -> Node {
            let tree = try parseAlternatives(flags: nil, depth: 0)
            if position < scalars.count {
                throw invalid("unbalanced parenthesis", at: position)
            }
            if globalTypeFlags.isSuperset(of: ["a", "u"]) {
                throw invalid("ASCII and UNICODE flags are incompatible", at: 0)
            }
            return tree
        }

        /// `a|b|c` up to an unmatched `)` or the end. `flags` nil means the top level, whose
        /// branches all follow the global flags, including ones the first branch sets.
        mutating func parseAlternatives(flags: Flags?, depth: Int) throws(PathPatternError) -> Node {
            var branches: [Node] = []
            repeat {
                let isPatternStart = flags == nil && branches.isEmpty
                branches.append(try parseSequence(flags: flags ?? globalFlags, isPatternStart: isPatternStart, depth: depth))
            } while take("|")
            return branches.count == 1 ? branches[0] : .alternatives(branches)
        }

        /// What a quantifier may follow: Python refuses to repeat an anchor or a repetition.
        enum ItemKind {
            case atom, assertion, repetition
        }

        struct Item {
            var node: Node
            var kind = ItemKind.atom
        }

        private mutating func parseSequence(flags initialFlags: Flags, isPatternStart: Bool, depth: Int) throws(PathPatternError) -> Node {
            var flags = initialFlags
            var items: [Item] = []
            while let scalar = peek(), scalar != "|", scalar != ")" {
                let start = position
                position += 1
                if flags.verbose {
                    if Self.verboseWhitespace.contains(scalar) { continue }
                    if scalar == "#" {
                        try skipVerboseComment()
                        continue
                    }
                }
                switch scalar {
                case "\\":
                    items.append(try parseEscape(start: start, flags: flags))
                case "[":
                    items.append(Item(node: .scalar(try parseClass(start: start, flags: flags))))
                case ".":
                    items.append(Item(node: .scalar(flags.dotMatchesNewline ? .any : .anyButNewline)))
                case "^":
                    items.append(Item(node: .assertion(flags.multiline ? .lineStart : .textStart), kind: .assertion))
                case "$":
                    items.append(Item(node: .assertion(flags.multiline ? .lineEnd : .textEndOrFinalNewline), kind: .assertion))
                case "(":
                    switch try parseGroup(start: start, flags: flags, depth: depth) {
                    case .item(let item):
                        items.append(item)
                    case .comment:
                        break
                    case .globalFlags(let set):
                        guard isPatternStart && items.isEmpty else {
                            throw invalid("global flags not at the start of the expression", at: start)
                        }
                        globalFlags = set.applied(to: globalFlags)
                        globalTypeFlags.formUnion(set.on.intersection(["a", "u"]))
                        flags = globalFlags
                    }
                case "*", "+", "?", "{":
                    try applyQuantifier(scalar, start: start, to: &items, flags: flags)
                default:
                    items.append(Item(node: .scalar(ScalarClass.literal(scalar.value, negated: false, flags: flags))))
                }
            }
            switch items.count {
            case 0: return .empty
            case 1: return items[0].node
            default: return .sequence(items.map(\.node))
            }
        }

        /// `*`, `+`, `?` or `{m,n}` after an item; a `{` that does not form a count is a literal.
        private mutating func applyQuantifier(
            _ scalar: Unicode.Scalar, start: Int, to items: inout [Item], flags: Flags
        ) throws(PathPatternError) {
            let bounds: (min: Int, max: Int?)
            switch scalar {
            case "?": bounds = (0, 1)
            case "*": bounds = (0, nil)
            case "+": bounds = (1, nil)
            default:
                guard let counted = try parseCountedBounds(start: start) else {
                    items.append(Item(node: .scalar(ScalarClass.literal(scalar.value, negated: false, flags: flags))))
                    return
                }
                bounds = counted
            }
            guard let last = items.last, last.kind != .assertion else { throw invalid("nothing to repeat", at: start) }
            guard last.kind != .repetition else { throw invalid("multiple repeat", at: start) }
            if peek() == "+" {
                throw needsBacktracking(
                    "a possessive quantifier (\(text(from: start))+)", at: start,
                    fix: "drop the final '+': this matcher never backtracks, so it is not needed for speed")
            }
            _ = take("?")  // lazy: the same yes or no as greedy
            let repeated: Node = last.node == .empty ? .empty : .repetition(last.node, min: bounds.min, max: bounds.max)
            items[items.count - 1] = Item(node: repeated, kind: .repetition)
        }

        /// The `m,n}` after `{`, or nil (and nothing read) when it is not a count.
        private mutating func parseCountedBounds(start: Int) throws(PathPatternError) -> (min: Int, max: Int?)? {
            let afterBrace = position
            if peek() == "}" { return nil }
            let low = readDecimal()
            let high = take(",") ? readDecimal() : low
            guard take("}") else {
                position = afterBrace
                return nil
            }
            for count in [low, high] where (count ?? 0) >= Self.repetitionLimit {
                throw invalid("the repetition number is too large", at: start)
            }
            if let high, high < (low ?? 0) { throw invalid("min repeat greater than max repeat", at: start + 1) }
            return (low ?? 0, high)
        }

        /// Python's bound: counts must stay below 2^32 - 1.
        static let repetitionLimit = 4_294_967_295

        /// ASCII digits as a number (saturating at `repetitionLimit`), or nil when there are none.
        private mutating func readDecimal() -> Int? {
            var value: Int?
            while let scalar = peek(), ("0"..."9").contains(scalar) {
                value = min((value ?? 0) * 10 + Int(scalar.value - 0x30), Self.repetitionLimit)
                position += 1
            }
            return value
        }

        private mutating func skipVerboseComment() throws(PathPatternError) {
            while let scalar = take(), scalar != "\n" {
                if scalar == "\\" && take() == nil {
                    throw invalid("bad escape (end of pattern)", at: position - 1)
                }
            }
        }

        static let verboseWhitespace: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]

        // MARK: Reading

        func peek() -> Unicode.Scalar? {
            position < scalars.count ? scalars[position] : nil
        }

        mutating func take() -> Unicode.Scalar? {
            guard position < scalars.count else { return nil }
            position += 1
            return scalars[position - 1]
        }

        mutating func take(_ expected: Unicode.Scalar) -> Bool {
            guard peek() == expected else { return false }
            position += 1
            return true
        }

        func text(from start: Int) -> String {
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars[start..<min(position, scalars.count)])
            return text
        }

        // MARK: Errors

        func invalid(_ problem: String, at position: Int, fix: String = "patterns use Python `re` syntax") -> PathPatternError {
            PathPatternError(kind: .invalidSyntax, pattern: pattern, position: position, problem: problem, fix: fix)
        }

        func needsBacktracking(_ feature: String, at position: Int, fix: String) -> PathPatternError {
            PathPatternError(kind: .needsBacktracking, pattern: pattern, position: position, problem: feature, fix: fix)
        }

        func unsupported(_ feature: String, at position: Int, fix: String) -> PathPatternError {
            PathPatternError(kind: .unsupported, pattern: pattern, position: position, problem: feature, fix: fix)
        }
    }
}
