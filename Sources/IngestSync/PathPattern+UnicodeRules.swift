extension PathPattern {
    /// Python's notions of case and of `\d \w \s` for `str` patterns, so that a pattern agrees with
    /// the iRODS automated ingest (Python) that users come from.
    enum UnicodeRules {
        /// Python's `_sre.unicode_tolower`: the first scalar of the full lowercase mapping.
        static func lower(_ value: UInt32) -> UInt32 {
            if value < 0x80 { return asciiLower(value) }
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenLowercased else { return value }
            return scalar.properties.lowercaseMapping.unicodeScalars.first?.value ?? value
        }

        /// The first scalar of the full uppercase mapping, as Python's case-insensitive ranges use it.
        static func upper(_ value: UInt32) -> UInt32 {
            if value < 0x80 { return (0x61...0x7A).contains(value) ? value - 0x20 : value }
            guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenUppercased else { return value }
            return scalar.properties.uppercaseMapping.unicodeScalars.first?.value ?? value
        }

        static func asciiLower(_ value: UInt32) -> UInt32 {
            (0x41...0x5A).contains(value) ? value + 0x20 : value
        }

        /// Python's `_sre.unicode_iscased`: only cased scalars are compared without case.
        static func isCased(_ value: UInt32) -> Bool {
            lower(value) != value || upper(value) != value
        }

        static func isAsciiCased(_ value: UInt32) -> Bool {
            (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
        }

        /// Other lowercase scalars with the same uppercase (`i` and dotless `ı`, `s` and long `ſ`,
        /// Greek letters and their symbol forms), which Python's `(?i)` also treats as equal.
        static func sameUppercase(as lowered: UInt32) -> [UInt32] {
            sharingUppercase[lowered] ?? []
        }

        /// Each lowercase scalar that has such partners, with its partners. Built once, on the first
        /// case-insensitive pattern, by the rule Python derives its table from (lowercase scalars
        /// grouped by their full uppercase). Cased scalars all lie in the first two planes, so the
        /// scan stops there.
        static let sharingUppercase: [UInt32: [UInt32]] = {
            var byUppercase: [[UInt32]: [UInt32]] = [:]
            for value in UInt32(0)...0x1FFFF {
                guard let scalar = Unicode.Scalar(value), scalar.properties.changesWhenUppercased,
                    !scalar.properties.changesWhenLowercased
                else { continue }
                // Keyed by scalars, not String: String equality would merge canonically equivalent
                // uppercases (U+0386 and U+1FBB), which Python keeps apart.
                byUppercase[scalar.properties.uppercaseMapping.unicodeScalars.map(\.value), default: []].append(value)
            }
            var table: [UInt32: [UInt32]] = [:]
            for members in byUppercase.values where members.count > 1 {
                for member in members { table[member] = members.filter { $0 != member } }
            }
            return table
        }()

        /// `\w`: Python's `str.isalnum()` or `_`; marks are not word scalars.
        static func isWord(_ value: UInt32, asciiOnly: Bool) -> Bool {
            if value < 0x80 {
                return (0x30...0x39).contains(value) || isAsciiCased(value) || value == 0x5F
            }
            guard !asciiOnly, let scalar = Unicode.Scalar(value) else { return false }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return scalar.properties.numericType != nil
            }
        }

        /// `\d`: decimal digits of any script (`str.isdecimal()`).
        static func isDigit(_ value: UInt32, asciiOnly: Bool) -> Bool {
            if value < 0x80 { return (0x30...0x39).contains(value) }
            guard !asciiOnly, let scalar = Unicode.Scalar(value) else { return false }
            return scalar.properties.numericType == .decimal
        }

        /// `\s`: `str.isspace()`, which also counts the ASCII separators U+001C to U+001F unless `(?a)`.
        static func isSpace(_ value: UInt32, asciiOnly: Bool) -> Bool {
            if value < 0x80 {
                return (0x09...0x0D).contains(value) || value == 0x20 || (!asciiOnly && (0x1C...0x1F).contains(value))
            }
            guard !asciiOnly, let scalar = Unicode.Scalar(value) else { return false }
            return scalar.properties.isWhitespace
        }
    }
}
