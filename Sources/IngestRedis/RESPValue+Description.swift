import NIOCore

/// A compact rendering close to `redis-cli`'s, so test failures and logs show the value
/// rather than `ByteBuffer` internals.
extension RESPValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .simpleString(let text): return text
        case .simpleError(let message), .blobError(let message): return "(error) \(message)"
        case .integer(let value): return "(integer) \(value)"
        case .bulkString(let bytes):
            if let text = String(validating: bytes.readableBytesView, as: UTF8.self) { return "\"\(text)\"" }
            return "<\(bytes.readableBytes) bytes>"
        case .null: return "(nil)"
        case .array(let elements): return "[" + elements.map(\.description).joined(separator: ", ") + "]"
        case .map(let pairs): return Self.describe(pairs)
        case .set(let elements): return "(set) [" + elements.map(\.description).joined(separator: ", ") + "]"
        case .double(let value): return "(double) \(value)"
        case .boolean(let value): return "(boolean) \(value)"
        case .bigNumber(let digits): return "(big number) \(digits)"
        case .verbatimString(let format, let text): return "(\(format)) \(text)"
        case .push(let elements): return "(push) [" + elements.map(\.description).joined(separator: ", ") + "]"
        case .attribute(let pairs, let value): return "(attribute \(Self.describe(pairs))) \(value)"
        }
    }

    private static func describe(_ pairs: [(key: RESPValue, value: RESPValue)]) -> String {
        "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
    }
}
