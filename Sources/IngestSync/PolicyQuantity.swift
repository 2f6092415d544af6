/// One comparison of a policy's `size` or `age` match key, against bytes or nanoseconds.
struct Comparison: Sendable, Equatable {
    /// Longest spellings first, so that `>=` is not read as `>` followed by `=`.
    enum Operator: String, CaseIterable, Sendable {
        case lessOrEqual = "<=", greaterOrEqual = ">=", equal = "==", notEqual = "!=", less = "<", greater = ">"
    }

    let op: Operator
    let bound: Int64

    func holds(for value: Int64) -> Bool {
        switch op {
        case .less: value < bound
        case .lessOrEqual: value <= bound
        case .greater: value > bound
        case .greaterOrEqual: value >= bound
        case .equal: value == bound
        case .notEqual: value != bound
        }
    }
}

/// The amounts a policy writes with units: sizes (`1MiB`, `10 GB`) and durations (`30d`, `90s`).
/// Units are case-insensitive; a size without a unit is in bytes, an age needs one.
enum Quantity: Sendable {
    case size
    /// In nanoseconds, as mtimes are.
    case age

    private var units: [(name: String, multiplier: Double)] {
        switch self {
        case .size:
            [("b", 1), ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12), ("pb", 1e15),
             ("kib", 0x1p10), ("mib", 0x1p20), ("gib", 0x1p30), ("tib", 0x1p40), ("pib", 0x1p50)]
        case .age:
            [("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86_400e9), ("w", 604_800e9)]
        }
    }

    /// The units as messages list them.
    var unitList: String {
        switch self {
        case .size: "B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024)"
        case .age: "s, m, h, d, w (seconds, minutes, hours, days, weeks)"
        }
    }

    /// `>= 1MiB`, `< 30d`; for sizes a bare amount means `==`.
    /// - Returns: the comparison, or what is wrong with the text.
    func comparison(_ text: String) -> Result<Comparison, QuantityProblem> {
        var rest = Substring(text).drop { $0 == " " }
        let op = Comparison.Operator.allCases.first { rest.hasPrefix($0.rawValue) }
        if let op {
            rest = rest.dropFirst(op.rawValue.count)
        } else if rest.hasPrefix("=") {
            rest = rest.dropFirst()
        } else if self == .age {
            return .failure(
                QuantityProblem("'\(text)' has no comparison; write '> \(text)' for entries older than \(text), or '< \(text)' for newer ones"))
        }
        return amount(String(rest.trimmingBlanks)).map { Comparison(op: op ?? .equal, bound: $0) }
    }

    /// A number and a unit, such as `1.5 GiB` or `30d`.
    func amount(_ text: String) -> Result<Int64, QuantityProblem> {
        let trimmed = Substring(text).trimmingBlanks
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = trimmed.dropFirst(number.count).trimmingBlanks.lowercased()
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, let value = Double(number) else {
            let example = self == .size ? "'>= 1MiB'" : "'> 30d'"
            return .failure(QuantityProblem("'\(text)' does not start with a number; write an amount and a unit such as \(example)"))
        }
        let multiplier: Double
        if unit.isEmpty {
            guard self != .age else {
                return .failure(QuantityProblem("'\(text)' has no unit; add one of \(unitList), e.g. '\(trimmed)d' for days"))
            }
            multiplier = 1
        } else if let known = units.first(where: { $0.name == unit }) {
            multiplier = known.multiplier
        } else {
            let near = Suggestion.closest(to: unit, among: units.map(\.name)).map { " (did you mean \($0)?)" } ?? ""
            return .failure(QuantityProblem("'\(text)' has the unit '\(unit)', which is not one\(near); use \(unitList)"))
        }
        let product = (value * multiplier).rounded()
        guard product < 0x1p62 else {
            return .failure(QuantityProblem("'\(text)' is too large to compare; use a smaller amount"))
        }
        return .success(Int64(product))
    }
}

/// What is wrong with an amount, in words for the user.
struct QuantityProblem: Error, Equatable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingBlanks: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
