/// A shell-style glob of a policy's `path` or `name` match key: `*` matches a run of characters
/// without `/`, `?` one character, `[abc]`, `[a-z]` and `[!abc]` (or `[^abc]`) one character of a
/// class, and in a path an element that is exactly `**` matches zero or more whole elements.
///
/// Globs are matched by hand rather than translated to `PathPattern`: a policy runs every rule
/// against every listed entry, and comparing UTF-8 bytes in place (no scalar array, no NFA state
/// sets, no reference counting: the compiled form is flat arrays of plain values) keeps a glob at
/// tens of nanoseconds. Each element is matched with the classic "retry from the last star"
/// algorithm, and `**` the same way over elements. That is correct because a star matches any
/// run, so only the last one ever needs to take more; and a match costs at most
/// (text length x pattern length) steps whatever the user writes.
struct PolicyGlob: Sendable {
    /// The glob as written, for messages.
    let source: String
    /// The path's elements (split at `/`); a name glob has one.
    private let elements: [Element]
    /// Every element's tokens, one after the other.
    private let tokens: [Token]
    /// Every class's ranges, one class after the other.
    private let classRanges: [ClosedRange<UInt32>]
    /// The index of the last `**` element, or -1.
    private let lastAnyDepth: Int

    struct Element: Sendable {
        /// `**`: zero or more whole elements; it has no tokens.
        let isAnyDepth: Bool
        let tokens: Range<Int>
        /// Where the literal bytes that end the element start (`.log` of `*.log`): a text element
        /// that does not end with them is turned away before the star is tried at every place.
        let literalEnd: Int
        /// The fewest bytes a matching text element has.
        let minimumLength: Int
        /// Only bytes: the text element must be those bytes.
        var isLiteral: Bool { literalEnd == tokens.lowerBound && !isAnyDepth }
    }

    struct Token: Sendable {
        enum Kind: UInt8, Sendable { case byte, anyCharacter, oneOf, noneOf, star }
        let kind: Kind
        /// For `byte`.
        let byte: UInt8
        /// For `oneOf` and `noneOf`: the class's ranges in `classRanges`.
        let ranges: Range<Int>
    }

    /// A glob of the full source path. It must start with `/` or `**` (source paths are absolute) and
    /// must not end with `/` (entries are named without one).
    static func path(_ source: String) throws(GlobError) -> PolicyGlob {
        guard source.hasPrefix("/") || source.hasPrefix("**") else {
            throw GlobError(
                source: source,
                problem: "it is relative, but it is matched against the full source path, which starts with '/'",
                fix: "write '**/\(source)' to match at any depth below any directory, or use name: for the last element only")
        }
        guard !source.hasSuffix("/") else {
            throw GlobError(
                source: source, problem: "it ends with '/', but entries are named without one",
                fix: source == "/"
                    ? "write '/**' for every entry"
                    : "write '\(source.dropLast())' for the entry itself, or '\(source)**' for it and everything below it")
        }
        var builder = Builder(source: source)
        let parts = source.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part == "**" {
                builder.addAnyDepth()
                continue
            }
            if part.contains("**") {
                throw GlobError(
                    source: source, problem: "'\(part)' has '**' inside an element, where it could only mean what '*' means",
                    fix: "use '**' as a whole element ('/data/**/*.fits') for any depth, or '*' within one element")
            }
            if part.isEmpty && index > 0 {
                throw GlobError(source: source, problem: "it contains '//', which no source path does", fix: "write one '/'")
            }
            try builder.addElement(part)
        }
        return builder.glob
    }

    /// A glob of the entry's last path element.
    static func name(_ source: String) throws(GlobError) -> PolicyGlob {
        guard !source.contains("/") else {
            throw GlobError(
                source: source, problem: "it contains '/', but a name is the last path element and has none",
                fix: "use path: to match directories above the entry ('**/\(source)')")
        }
        var builder = Builder(source: source)
        try builder.addElement(Substring(source))
        return builder.glob
    }

    private init(source: String, elements: [Element], tokens: [Token], classRanges: [ClosedRange<UInt32>]) {
        self.source = source
        self.elements = elements
        self.tokens = tokens
        self.classRanges = classRanges
        lastAnyDepth = elements.lastIndex { $0.isAnyDepth } ?? -1
    }

    /// Whether the glob matches all of `text` (UTF-8).
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        if elements.count == 1 && !elements[0].isAnyDepth {
            return matches(elements[0], text, from: 0, to: text.count)
        }
        return matchesElements(text)
    }

    func matches(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { matches($0) }
    }

    /// Elements of the text are found by scanning for `/` as the match goes, so nothing is built.
    /// `position..<positionEnd` is the current text element; `position` is past `text.count` when
    /// none is left. An element after the last `**` must match the text's last element, which is
    /// checked first: most paths are turned away there (`*.fits` against `x.csv`).
    private func matchesElements(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = text.count
        if let last = elements.last, !last.isAnyDepth {
            var start = count
            while start > 0 && text[start - 1] != UInt8(ascii: "/") { start -= 1 }
            guard matches(last, text, from: start, to: count) else { return false }
        }
        func endOfElement(from start: Int) -> Int {
            var end = start
            while end < count && text[end] != UInt8(ascii: "/") { end += 1 }
            return end
        }
        var index = 0
        var position = 0
        var positionEnd = endOfElement(from: 0)
        var retryIndex = -1
        var retryPosition = 0
        var retryEnd = 0
        while true {
            if index < elements.count && elements[index].isAnyDepth {
                if index == lastAnyDepth { return matchesTail(text, from: position) }
                retryIndex = index
                retryPosition = position
                retryEnd = positionEnd
                index += 1
                continue
            }
            if position <= count {
                if index < elements.count && matches(elements[index], text, from: position, to: positionEnd) {
                    index += 1
                    position = positionEnd + 1
                    if position <= count { positionEnd = endOfElement(from: position) }
                    continue
                }
            } else if index == elements.count {
                return true
            }
            // Mismatch: let the last `**` take one more element, if any is left.
            guard retryIndex >= 0, retryPosition <= count else { return false }
            retryPosition = retryEnd + 1
            if retryPosition <= count { retryEnd = endOfElement(from: retryPosition) }
            position = retryPosition
            positionEnd = retryEnd
            index = retryIndex + 1
        }
    }

    /// After the last `**`, the elements left must match the text's last elements, so they are
    /// matched there once instead of at every place `**` could end.
    /// - Parameter position: where the text's elements not yet matched start.
    private func matchesTail(_ text: UnsafeBufferPointer<UInt8>, from position: Int) -> Bool {
        // Indexes rather than a slice of `elements`, which would retain the array.
        let tail = (lastAnyDepth + 1)..<elements.count
        var start = text.count + 1
        for _ in tail {
            guard start > position else { return false }
            start -= 1
            while start > 0 && text[start - 1] != UInt8(ascii: "/") { start -= 1 }
        }
        guard start >= position else { return false }
        for index in tail {
            var end = start
            while end < text.count && text[end] != UInt8(ascii: "/") { end += 1 }
            guard matches(elements[index], text, from: start, to: end) else { return false }
            start = end + 1
        }
        return true
    }

    /// Whether the bytes `start..<end` (one element, no `/`) match. On a mismatch the last `*` takes
    /// one more character and the tokens after it are tried again.
    private func matches(_ element: Element, _ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard end - start >= element.minimumLength else { return false }
        if element.isLiteral {
            guard end - start == element.minimumLength else { return false }
            var position = start
            for index in element.tokens {
                if text[position] != tokens[index].byte { return false }
                position += 1
            }
            return true
        }
        var index = element.literalEnd
        var position = end - (element.tokens.upperBound - element.literalEnd)
        while index < element.tokens.upperBound {
            if text[position] != tokens[index].byte { return false }
            index += 1
            position += 1
        }
        // The element is P*L with L literal: L matched the end, so P* must match the rest.
        var upper = element.tokens.upperBound
        var end = end
        if element.literalEnd > element.tokens.lowerBound && tokens[element.literalEnd - 1].kind == .star {
            end -= upper - element.literalEnd
            upper = element.literalEnd
        }
        index = element.tokens.lowerBound
        position = start
        var retryIndex = -1
        var retryPosition = 0
        while true {
            if index < upper {
                let token = tokens[index]
                switch token.kind {
                case .star:
                    retryIndex = index
                    retryPosition = position
                    index += 1
                    continue
                case .byte:
                    if position < end && text[position] == token.byte {
                        position += 1
                        index += 1
                        continue
                    }
                case .anyCharacter:
                    if position < end {
                        position = Self.nextCharacter(in: text, after: position, end: end)
                        index += 1
                        continue
                    }
                case .oneOf, .noneOf:
                    if position < end, isMember(Self.scalar(in: text, at: position, end: end), of: token) {
                        position = Self.nextCharacter(in: text, after: position, end: end)
                        index += 1
                        continue
                    }
                }
            } else if position == end || retryIndex == upper - 1 {
                // All matched, or what is left is taken by a final star.
                return true
            }
            guard retryIndex >= 0, retryPosition < end else { return false }
            retryPosition = Self.nextCharacter(in: text, after: retryPosition, end: end)
            position = retryPosition
            index = retryIndex + 1
        }
    }

    private func isMember(_ value: UInt32, of token: Token) -> Bool {
        var found = false
        for index in token.ranges where classRanges[index].contains(value) {
            found = true
            break
        }
        return found == (token.kind == .oneOf)
    }

    /// Where the character (Unicode scalar) starting at `position` ends, from its UTF-8 lead byte.
    private static func nextCharacter(in bytes: UnsafeBufferPointer<UInt8>, after position: Int, end: Int) -> Int {
        let lead = bytes[position]
        let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        return min(position + length, end)
    }

    /// The scalar value at `position`, decoded from UTF-8 (the text is valid UTF-8: it came from a `String`).
    private static func scalar(in bytes: UnsafeBufferPointer<UInt8>, at position: Int, end: Int) -> UInt32 {
        let lead = UInt32(bytes[position])
        let length = nextCharacter(in: bytes, after: position, end: end) - position
        guard length > 1 else { return lead }
        var value = lead & (0xFF >> (length + 1))
        for offset in 1..<length { value = value << 6 | UInt32(bytes[position + offset] & 0x3F) }
        return value
    }

    /// Compiles elements into the flat arrays.
    private struct Builder {
        let source: String
        var elements: [Element] = []
        var tokens: [Token] = []
        var classRanges: [ClosedRange<UInt32>] = []

        var glob: PolicyGlob { PolicyGlob(source: source, elements: elements, tokens: tokens, classRanges: classRanges) }

        /// `**/**` means what one `**` means; keeping one keeps the matcher's retries short.
        mutating func addAnyDepth() {
            guard elements.last?.isAnyDepth != true else { return }
            elements.append(Element(isAnyDepth: true, tokens: tokens.count..<tokens.count, literalEnd: tokens.count, minimumLength: 0))
        }

        mutating func addElement(_ text: Substring) throws(GlobError) {
            let first = tokens.count
            var minimumLength = 0
            var scalars = Array(text.unicodeScalars)[...]
            while let scalar = scalars.popFirst() {
                switch scalar {
                case "*":
                    if tokens.count == first || tokens[tokens.count - 1].kind != .star { add(.star) }
                case "?":
                    add(.anyCharacter)
                    minimumLength += 1
                case "[":
                    let characterClass = try CharacterClass(parsing: &scalars, in: source)
                    let start = classRanges.count
                    classRanges += characterClass.ranges
                    add(characterClass.negated ? .noneOf : .oneOf, ranges: start..<classRanges.count)
                    minimumLength += 1
                default:
                    for byte in String(scalar).utf8 { add(.byte, byte: byte) }
                    minimumLength += String(scalar).utf8.count
                }
            }
            var literalEnd = tokens.count
            while literalEnd > first && tokens[literalEnd - 1].kind == .byte { literalEnd -= 1 }
            elements.append(Element(isAnyDepth: false, tokens: first..<tokens.count, literalEnd: literalEnd, minimumLength: minimumLength))
        }

        private mutating func add(_ kind: Token.Kind, byte: UInt8 = 0, ranges: Range<Int> = 0..<0) {
            tokens.append(Token(kind: kind, byte: byte, ranges: ranges))
        }
    }
}

/// `[...]`: ranges of scalars, possibly negated.
struct CharacterClass: Sendable, Equatable {
    var ranges: [ClosedRange<UInt32>]
    var negated: Bool

    /// Reads after the `[`, through the closing `]`: `!` or `^` first negates, and a `]` right after
    /// the opening (or the negation) is a member, as in Python's `fnmatch`.
    init(parsing scalars: inout ArraySlice<Unicode.Scalar>, in source: String) throws(GlobError) {
        negated = false
        ranges = []
        if let first = scalars.first, first == "!" || first == "^" {
            negated = true
            scalars.removeFirst()
        }
        var isFirst = true
        while let scalar = scalars.popFirst() {
            if scalar == "]" && !isFirst { return }
            isFirst = false
            if scalars.count >= 2, scalars.first == "-", let upper = scalars.dropFirst().first, upper != "]" {
                scalars.removeFirst(2)
                guard scalar.value <= upper.value else {
                    throw GlobError(
                        source: source, problem: "the range '\(scalar)-\(upper)' runs backwards", fix: "write it as '\(upper)-\(scalar)'")
                }
                ranges.append(scalar.value...upper.value)
            } else {
                ranges.append(scalar.value...scalar.value)
            }
        }
        throw GlobError(
            source: source, problem: "a '[' is not closed by ']' within its path element",
            fix: "close the class, or write '[[]' for a literal '['")
    }
}

/// Why a glob was refused: what is wrong and what to write instead.
struct GlobError: Error, Equatable {
    let source: String
    let problem: String
    let fix: String

    var description: String { "'\(source)' is not a usable glob: \(problem); \(fix)" }
}
