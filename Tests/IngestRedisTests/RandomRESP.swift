import IngestRedis
import NIOCore

/// Random RESP values and byte strings for property tests.
enum RandomRESP {
    /// A random value tree, every case reachable, nested at most `depth` aggregate levels.
    static func value(depth: Int, using rng: inout SeededGenerator) -> RESPValue {
        let kinds = depth > 0 ? 15 : 10
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return .simpleString(lineText(using: &rng))
        case 1: return .simpleError("ERR " + lineText(using: &rng))
        case 2: return .blobError(anyText(using: &rng))
        case 3: return .integer(integer(using: &rng))
        case 4: return .bulkString(ByteBuffer(bytes: bytes(maxCount: 40, using: &rng)))
        case 5: return .null
        case 6: return .double(double(using: &rng))
        case 7: return .boolean(Bool.random(using: &rng))
        case 8: return .bigNumber(bigNumber(using: &rng))
        case 9: return .verbatimString(format: Bool.random(using: &rng) ? "txt" : "mkd", text: anyText(using: &rng))
        case 10: return .array(elements(depth: depth, using: &rng))
        case 11: return .map(pairs(depth: depth, using: &rng))
        case 12: return .set(elements(depth: depth, using: &rng))
        case 13: return .push(elements(depth: depth, using: &rng))
        default: return .attribute(pairs(depth: depth, using: &rng), value(depth: depth - 1, using: &rng))
        }
    }

    static func elements(depth: Int, using rng: inout SeededGenerator) -> [RESPValue] {
        (0..<Int.random(in: 0...4, using: &rng)).map { _ in value(depth: depth - 1, using: &rng) }
    }

    static func pairs(depth: Int, using rng: inout SeededGenerator) -> [(key: RESPValue, value: RESPValue)] {
        (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            (key: value(depth: depth - 1, using: &rng), value: value(depth: depth - 1, using: &rng))
        }
    }

    /// Text without CR or LF, including multi-byte UTF-8, for single-line types.
    static func lineText(using rng: inout SeededGenerator) -> String {
        let pieces = ["a", "Z", "0", " ", ":", "$", "*", "é", "字", "😀", "-", "_"]
        return (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    /// Text that may contain CR and LF, for length-prefixed types.
    static func anyText(using rng: inout SeededGenerator) -> String {
        let pieces = ["a", "\r\n", "\r", "\n", "é", " ", "$3", "*", "😀"]
        return (0..<Int.random(in: 0...12, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    static func integer(using rng: inout SeededGenerator) -> Int64 {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return [Int64.min, Int64.max, 0, -1].randomElement(using: &rng)!
        case 1: return Int64.random(in: -1000...1000, using: &rng)
        default: return Int64.random(in: .min ... .max, using: &rng)
        }
    }

    static func double(using rng: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return [Double.infinity, -.infinity, .nan, 0, -0.0, 1, .greatestFiniteMagnitude].randomElement(using: &rng)!
        case 1: return Double(Int.random(in: -1000...1000, using: &rng)) / 8
        default:
            let double = Double(bitPattern: rng.next())
            return double.isNaN ? 0.5 : double
        }
    }

    static func bigNumber(using rng: inout SeededGenerator) -> String {
        let digits = (0..<Int.random(in: 1...50, using: &rng)).map { _ in String(Int.random(in: 0...9, using: &rng)) }
        return (Bool.random(using: &rng) ? "-" : "") + digits.joined()
    }

    static func bytes(maxCount: Int, using rng: inout SeededGenerator) -> [UInt8] {
        (0..<Int.random(in: 0...maxCount, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    /// Bytes assembled mostly from RESP fragments (headers, scalars, payloads) with stray
    /// bytes mixed in, so random input often parses, often nests, and fails in every way
    /// rather than only with ``RESPError/unknownType(byte:offset:)``.
    static func protocolishBytes(maxCount: Int, using rng: inout SeededGenerator) -> [UInt8] {
        let fragments = [
            "+OK\r\n", "-ERR x\r\n", ":12\r\n", ":-1\r\n", "$3\r\n", "abc", "\r\n", "$-1\r\n", "$0\r\n",
            "*2\r\n", "*-1\r\n", "*0\r\n", "%1\r\n", "~2\r\n", ">1\r\n", "|1\r\n", "|0\r\n", "_\r\n",
            "#t\r\n", ",1.5\r\n", ",inf\r\n", "(123\r\n", "!3\r\nERR\r\n", "=5\r\ntxt:a\r\n", "$99\r\n",
            "*99999\r\n", "$?\r\n", "-", "\r", "\n", "9", "?",
        ].map { Array($0.utf8) }
        var bytes: [UInt8] = []
        while bytes.count < maxCount, Int.random(in: 0..<12, using: &rng) != 0 {
            if Int.random(in: 0..<6, using: &rng) == 0 {
                bytes.append(UInt8.random(in: 0...255, using: &rng))
            } else {
                bytes += fragments.randomElement(using: &rng)!
            }
        }
        return bytes
    }

    /// Applies one to four random edits (flip, insert, delete, duplicate, truncate) to
    /// valid wire bytes, producing input that is almost, but not quite, well-formed.
    static func mutate(_ wire: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = wire
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let position = Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where position < bytes.count:
                bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            case 1:
                bytes.insert(Array("\r\n-?9+*$".utf8).randomElement(using: &rng)!, at: position)
            case 2 where position < bytes.count:
                bytes.remove(at: position)
            case 3:
                let end = min(bytes.count, position + Int.random(in: 0...8, using: &rng))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            case 4:
                bytes.removeSubrange(position...)
            default:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: position)
            }
        }
        return bytes
    }

    /// Random piece sizes for feeding input in fragments.
    static func chunkSizes(using rng: inout SeededGenerator) -> [Int] {
        (0..<Int.random(in: 0...6, using: &rng)).map { _ in Int.random(in: 1...16, using: &rng) }
    }
}
