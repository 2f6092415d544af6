extension PathPattern.Parser {
    typealias ScalarClass = PathPattern.ScalarClass

    /// A backslash escape outside a set; `start` is the backslash.
    mutating func parseEscape(start: Int, flags: Flags) throws(PathPatternError) -> Item {
        guard let letter = take() else { throw invalid("bad escape (end of pattern)", at: start) }
        switch letter {
        case "A": return Item(node: .assertion(.textStart), kind: .assertion)
        case "Z": return Item(node: .assertion(.textEnd), kind: .assertion)
        case "b": return Item(node: .assertion(.wordBoundary(asciiOnly: flags.asciiOnly)), kind: .assertion)
        case "B": return Item(node: .assertion(.notWordBoundary(asciiOnly: flags.asciiOnly)), kind: .assertion)
        default: break
        }
        if let category = Self.category(letter, flags: flags) {
            return Item(node: .scalar(.member(ScalarClass(categories: [category]))))
        }
        let value: UInt32
        if ("1"..."9").contains(letter) {
            value = try parseOctalOrBackreference(start: start, first: letter)
        } else if letter == "0" {
            value = readOctal(after: 0, maximumDigits: 2)
        } else {
            value = try parseCommonEscape(letter, start: start)
        }
        return Item(node: .scalar(ScalarClass.literal(value, negated: false, flags: flags)))
    }

    /// `\ddd` with three octal digits is a character; any other `\` and digits is a backreference.
    private mutating func parseOctalOrBackreference(start: Int, first: Unicode.Scalar) throws(PathPatternError) -> UInt32 {
        let isOctal = { (scalar: Unicode.Scalar?) in scalar.map { ("0"..."7").contains($0) } ?? false }
        if let second = peek(), ("0"..."9").contains(second) {
            position += 1
            if isOctal(first) && isOctal(second) && isOctal(peek()) {
                position += 1
                return try octalValue(start: start)
            }
        }
        throw needsBacktracking(
            "a backreference (\(text(from: start)))", at: start,
            fix: "match the repeated part with a pattern of its own, e.g. (\\w+)-\\w+ rather than (\\w+)-\\1")
    }

    /// A `[...]` set; `start` is the `[`.
    mutating func parseClass(start: Int, flags: Flags) throws(PathPatternError) -> PathPattern.ScalarTest {
        let negated = take("^")
        var items: [PathPattern.ClassItem] = []
        while true {
            let itemStart = position
            guard let scalar = take() else { throw invalid("unterminated character set", at: start) }
            // A `]` right after `[` or `[^` is a member, as in Python.
            if scalar == "]" && !items.isEmpty { break }
            let first = scalar == "\\" ? try parseClassEscape(start: itemStart, flags: flags) : .scalar(scalar.value)
            guard take("-") else {
                items.append(first)
                continue
            }
            let secondStart = position
            guard let next = take() else { throw invalid("unterminated character set", at: start) }
            if next == "]" {
                items += [first, .scalar(0x2D)]
                break
            }
            let second = next == "\\" ? try parseClassEscape(start: secondStart, flags: flags) : .scalar(next.value)
            guard case .scalar(let low) = first, case .scalar(let high) = second, low <= high else {
                throw invalid("bad character range \(text(from: itemStart))", at: itemStart)
            }
            items.append(.range(low, high))
        }
        var unique: [PathPattern.ClassItem] = []
        for item in items where !unique.contains(item) { unique.append(item) }
        // Python reads a set of one scalar as that scalar, which matters under (?i).
        if unique.count == 1, case .scalar(let value) = unique[0] {
            return ScalarClass.literal(value, negated: negated, flags: flags)
        }
        return .member(ScalarClass.set(unique, negated: negated, flags: flags))
    }

    /// A backslash escape inside a set, where `\b` is a backspace and digits are always octal.
    private mutating func parseClassEscape(start: Int, flags: Flags) throws(PathPatternError) -> PathPattern.ClassItem {
        guard let letter = take() else { throw invalid("bad escape (end of pattern)", at: start) }
        if let category = Self.category(letter, flags: flags) { return .category(category) }
        switch letter {
        case "b":
            return .scalar(0x08)
        case "0"..."7":
            let value = readOctal(after: letter.value - 0x30, maximumDigits: 2)
            guard value <= 0o377 else { throw octalOutOfRange(start: start) }
            return .scalar(value)
        default:
            return .scalar(try parseCommonEscape(letter, start: start))
        }
    }

    /// Escapes that mean the same inside and outside a set.
    private mutating func parseCommonEscape(_ letter: Unicode.Scalar, start: Int) throws(PathPatternError) -> UInt32 {
        switch letter {
        case "a": return 0x07
        case "f": return 0x0C
        case "n": return 0x0A
        case "r": return 0x0D
        case "t": return 0x09
        case "v": return 0x0B
        case "x": return try readHex(digits: 2, start: start)
        case "u": return try readHex(digits: 4, start: start)
        case "U":
            let value = try readHex(digits: 8, start: start)
            guard value <= 0x10FFFF else { throw invalid("bad escape \(text(from: start))", at: start) }
            return value
        case "N":
            throw unsupported(
                "a named character (\\N{...})", at: start, fix: "write the character itself or its code as \\uXXXX")
        default:
            guard letter.isASCII, letter.properties.isAlphabetic || ("0"..."9").contains(letter) else { return letter.value }
            throw invalid("bad escape \(text(from: start))", at: start)
        }
    }

    private mutating func readHex(digits: Int, start: Int) throws(PathPatternError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let scalar = peek(), scalar.isASCII, let digit = UInt32(String(scalar), radix: 16) else {
                throw invalid("incomplete escape \(text(from: start))", at: start)
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }

    /// Up to `maximumDigits` more octal digits after the value read so far.
    private mutating func readOctal(after value: UInt32, maximumDigits: Int) -> UInt32 {
        var value = value
        for _ in 0..<maximumDigits {
            guard let scalar = peek(), ("0"..."7").contains(scalar) else { break }
            value = value * 8 + (scalar.value - 0x30)
            position += 1
        }
        return value
    }

    /// The value of the three octal digits just read after the backslash at `start`.
    private func octalValue(start: Int) throws(PathPatternError) -> UInt32 {
        let value = scalars[(start + 1)...(start + 3)].reduce(UInt32(0)) { $0 * 8 + ($1.value - 0x30) }
        guard value <= 0o377 else { throw octalOutOfRange(start: start) }
        return value
    }

    private func octalOutOfRange(start: Int) -> PathPatternError {
        invalid("octal escape value \(text(from: start)) outside of range 0-0o377", at: start)
    }

    static func category(_ letter: Unicode.Scalar, flags: Flags) -> ScalarClass.Category? {
        let kind: ScalarClass.Category.Kind
        switch letter {
        case "d", "D": kind = .digit
        case "w", "W": kind = .word
        case "s", "S": kind = .space
        default: return nil
        }
        return ScalarClass.Category(kind: kind, negated: letter.properties.isUppercase, asciiOnly: flags.asciiOnly)
    }
}
