extension PathPattern {
    /// A set of scalars: `[...]`, `\d`-like escapes, and literals compared without case.
    ///
    /// Built the way Python's compiler builds its sets, so that `(?i)` agrees with Python even on
    /// its odd corners: the set holds the lowercase forms of its members and is asked about the
    /// lowercase form of the text's scalar.
    struct ScalarClass: Hashable, Sendable {
        /// Which lowercase form of the text's scalar the set is asked about.
        enum Lowering: Hashable, Sendable {
            case none, ascii, unicode
        }

        /// `\d \w \s` and, negated, `\D \W \S`.
        struct Category: Hashable, Sendable {
            enum Kind: Hashable, Sendable {
                case digit, word, space
            }

            var kind: Kind
            var negated = false
            var asciiOnly = false

            func contains(_ value: UInt32) -> Bool {
                let member =
                    switch kind {
                    case .digit: UnicodeRules.isDigit(value, asciiOnly: asciiOnly)
                    case .word: UnicodeRules.isWord(value, asciiOnly: asciiOnly)
                    case .space: UnicodeRules.isSpace(value, asciiOnly: asciiOnly)
                    }
                return member != negated
            }
        }

        /// Sorted, disjoint, not adjacent.
        var ranges: [ClosedRange<UInt32>] = []
        /// Ranges reaching beyond U+FFFF under `(?i)`, which Python matches by the lowered scalar
        /// or that scalar's uppercase instead of listing their members.
        var uppercaseAwareRanges: [ClosedRange<UInt32>] = []
        var categories: [Category] = []
        var negated = false
        var lowering = Lowering.none

        func contains(_ value: UInt32) -> Bool {
            let tested =
                switch lowering {
                case .none: value
                case .ascii: UnicodeRules.asciiLower(value)
                case .unicode: UnicodeRules.lower(value)
                }
            let member =
                rangesContain(tested)
                || uppercaseAwareRanges.contains { $0.contains(tested) || $0.contains(UnicodeRules.upper(tested)) }
                || categories.contains { $0.contains(tested) }
            return member != negated
        }

        private func rangesContain(_ value: UInt32) -> Bool {
            var low = 0
            var high = ranges.count
            while low < high {
                let middle = (low + high) / 2
                if ranges[middle].upperBound < value {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            return low < ranges.count && ranges[low].contains(value)
        }
    }

    /// One member of a `[...]` set as written.
    enum ClassItem: Equatable {
        case scalar(UInt32)
        case range(UInt32, UInt32)
        case category(ScalarClass.Category)
    }
}

extension PathPattern.ScalarClass {
    private typealias Rules = PathPattern.UnicodeRules
    private static let lastBMPScalar: UInt32 = 0xFFFF

    /// A literal scalar, or `[^x]` when `negated`.
    static func literal(_ value: UInt32, negated: Bool, flags: PathPattern.Flags) -> PathPattern.ScalarTest {
        let exact = PathPattern.ScalarTest.member(Self(ranges: [value...value], negated: negated))
        guard flags.ignoreCase else { return negated ? exact : .exactly(value) }
        if flags.asciiOnly {
            guard Rules.isAsciiCased(value) else { return negated ? exact : .exactly(value) }
            let lowered = Rules.asciiLower(value)
            return .member(Self(ranges: [lowered...lowered], negated: negated, lowering: .ascii))
        }
        guard Rules.isCased(value) else { return negated ? exact : .exactly(value) }
        let lowered = Rules.lower(value)
        let equals = ([lowered] + Rules.sameUppercase(as: lowered)).map { $0...$0 }
        return .member(Self(ranges: Self.merged(equals), negated: negated, lowering: .unicode))
    }

    /// A `[...]` set of several members.
    static func set(_ items: [PathPattern.ClassItem], negated: Bool, flags: PathPattern.Flags) -> Self {
        var plain = Self(negated: negated)
        var ranges: [ClosedRange<UInt32>] = []
        for item in items {
            switch item {
            case .scalar(let value): ranges.append(value...value)
            case .range(let low, let high): ranges.append(low...high)
            case .category(let category): plain.categories.append(category)
            }
        }
        plain.ranges = merged(ranges)
        guard flags.ignoreCase else { return plain }
        return foldedCase(items, plain: plain, asciiOnly: flags.asciiOnly) ?? plain
    }

    /// The `(?i)` form of a set, or nil when nothing in it has a case (Python then compares the
    /// text's scalar as it is).
    private static func foldedCase(_ items: [PathPattern.ClassItem], plain: Self, asciiOnly: Bool) -> Self? {
        let lower = asciiOnly ? Rules.asciiLower : Rules.lower
        let isCased = asciiOnly ? Rules.isAsciiCased : Rules.isCased
        var folded = Self(categories: plain.categories, negated: plain.negated, lowering: asciiOnly ? .ascii : .unicode)
        var ranges: [ClosedRange<UInt32>] = []
        var hasCased = false
        for item in items {
            switch item {
            case .scalar(let value):
                let lowered = lower(value)
                if lowered > lastBMPScalar {
                    // Python keeps such a member as written and compares it with the lowered scalar.
                    ranges.append(value...value)
                    hasCased = true
                } else {
                    ranges.append(lowered...lowered)
                    hasCased = hasCased || isCased(value)
                }
            case .range(let low, let high):
                if low <= lastBMPScalar {
                    let bmpHigh = min(high, lastBMPScalar)
                    ranges += loweredImage(of: low...bmpHigh, lower: lower)
                    hasCased = hasCased || (low...bmpHigh).contains(where: isCased)
                }
                if high > lastBMPScalar {
                    folded.uppercaseAwareRanges.append(low...high)
                    hasCased = true
                }
            case .category:
                break
            }
        }
        guard hasCased else { return nil }
        folded.ranges = merged(ranges)
        if !asciiOnly {
            let partners = Rules.sharingUppercase.filter { folded.rangesContain($0.key) }.flatMap(\.value)
            folded.ranges = merged(folded.ranges + partners.map { $0...$0 })
        }
        return folded
    }

    /// The lowercase forms of a range's members, as runs of unchanged scalars plus single changed ones.
    private static func loweredImage(of range: ClosedRange<UInt32>, lower: (UInt32) -> UInt32) -> [ClosedRange<UInt32>] {
        var image: [ClosedRange<UInt32>] = []
        var runStart = range.lowerBound
        for value in range {
            let lowered = lower(value)
            guard lowered != value else { continue }
            if runStart < value { image.append(runStart...(value - 1)) }
            image.append(lowered...lowered)
            runStart = value + 1
        }
        if runStart <= range.upperBound { image.append(runStart...range.upperBound) }
        return image
    }

    static func merged(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var result: [ClosedRange<UInt32>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            // Scalars stop at U+10FFFF, so `+ 1` cannot overflow.
            if let last = result.last, range.lowerBound <= last.upperBound + 1 {
                result[result.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }
}
