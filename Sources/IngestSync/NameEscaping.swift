/// Stable, reversible, one-to-one catalog names for file names.
///
/// In a name that is not valid UTF-8, every byte that is not part of a valid UTF-8 sequence becomes
/// `%XX` (upper-case hex) and every `%` becomes `%25`. A valid name is used unchanged, except that a
/// `%` followed by two hex digits becomes `%25`: otherwise the file literally named `caf%E9` and the
/// file `caf\xE9` would share one catalog name. So `unescape` gives every name's bytes back, and two
/// different names never get the same text. Entries with escaped names also carry their original
/// bytes in metadata.
public enum NameEscaping {
    /// The catalog text for raw bytes, and whether it differs from them.
    public static func text(for bytes: [UInt8]) -> (text: String, escaped: Bool) {
        if let valid = String(validating: bytes, as: UTF8.self) {
            guard bytes.contains(UInt8(ascii: "%")), let index = firstEscapeLookalike(bytes) else { return (valid, false) }
            var output = Array(bytes[..<index])
            output.reserveCapacity(bytes.count + 4)
            for position in index..<bytes.count {
                if isEscapeLookalike(bytes, at: position) {
                    appendEscaped(bytes[position], to: &output)
                } else {
                    output.append(bytes[position])
                }
            }
            return (String(decoding: output, as: UTF8.self), true)
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        var index = 0
        while index < bytes.count {
            let length = validSequenceLength(bytes, at: index)
            if length == 0 {
                appendEscaped(bytes[index], to: &output)
                index += 1
            } else if length == 1 && bytes[index] == UInt8(ascii: "%") {
                appendEscaped(bytes[index], to: &output)
                index += 1
            } else {
                output.append(contentsOf: bytes[index..<index + length])
                index += length
            }
        }
        return (String(decoding: output, as: UTF8.self), true)
    }

    /// The original bytes of an escaped name.
    public static func unescape(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return output
    }

    /// A `%` that `unescape` would read as the start of an escape.
    private static func isEscapeLookalike(_ bytes: [UInt8], at index: Int) -> Bool {
        bytes[index] == UInt8(ascii: "%") && index + 2 < bytes.count
            && hexValue(bytes[index + 1]) != nil && hexValue(bytes[index + 2]) != nil
    }

    private static func firstEscapeLookalike(_ bytes: [UInt8]) -> Int? {
        bytes.indices.first { isEscapeLookalike(bytes, at: $0) }
    }

    private static func appendEscaped(_ byte: UInt8, to output: inout [UInt8]) {
        let digits = Array("0123456789ABCDEF".utf8)
        output.append(UInt8(ascii: "%"))
        output.append(digits[Int(byte >> 4)])
        output.append(digits[Int(byte & 0x0F)])
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// Length of the well-formed UTF-8 sequence at `index` (RFC 3629), or 0 if there is none.
    private static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let first = bytes[index]
        func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            index + offset < bytes.count && range.contains(bytes[index + offset])
        }
        switch first {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: return continuation(1) ? 2 : 0
        case 0xE0: return continuation(1, 0xA0...0xBF) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return continuation(1) && continuation(2) ? 3 : 0
        case 0xED: return continuation(1, 0x80...0x9F) && continuation(2) ? 3 : 0
        case 0xF0: return continuation(1, 0x90...0xBF) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3: return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4: return continuation(1, 0x80...0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default: return 0
        }
    }
}
