import NIOCore

extension RESPValue {
    /// The reply with any preceding RESP3 attributes removed. Every other accessor uses it,
    /// so callers that ignore attributes never see them.
    public var withoutAttributes: RESPValue {
        var value = self
        while case .attribute(_, let inner) = value { value = inner }
        return value
    }

    /// The text of a simple string, bulk string, verbatim string or big number.
    ///
    /// Returns `nil` for a bulk string that is not valid UTF-8 rather than replacing bytes,
    /// so binary data is never silently corrupted; read ``bytes`` for those.
    public var string: String? {
        switch withoutAttributes {
        case .simpleString(let text), .bigNumber(let text): return text
        case .verbatimString(_, let text): return text
        case .bulkString(let bytes): return String(validating: bytes.readableBytesView, as: UTF8.self)
        default: return nil
        }
    }

    /// The bytes of a bulk string, or the UTF-8 bytes of any other textual value.
    public var bytes: ByteBuffer? {
        if case .bulkString(let bytes) = withoutAttributes { return bytes }
        return string.map { ByteBuffer(string: $0) }
    }

    /// The value of an integer reply, or of a simple or bulk string holding a decimal
    /// integer: Redis returns counters stored in keys (`GET`, `HGET`) as strings.
    public var int: Int? {
        switch withoutAttributes {
        case .integer(let value): return Int(exactly: value)
        case .simpleString, .bulkString: return string.flatMap { Int($0) }
        default: return nil
        }
    }

    /// The value of a RESP3 double, or of a string holding a number: RESP2 sends scores
    /// (`ZSCORE`, `INCRBYFLOAT`) as bulk strings.
    public var double: Double? {
        switch withoutAttributes {
        case .double(let value): return value
        case .integer(let value): return Double(value)
        case .simpleString, .bulkString: return string.flatMap { Double($0) }
        default: return nil
        }
    }

    /// The value of a RESP3 boolean, or of the integers 0 and 1 that RESP2 uses instead.
    public var bool: Bool? {
        switch withoutAttributes {
        case .boolean(let value): return value
        case .integer(0): return false
        case .integer(1): return true
        default: return nil
        }
    }

    /// The elements of an array, set or push message.
    public var array: [RESPValue]? {
        switch withoutAttributes {
        case .array(let elements), .set(let elements), .push(let elements): return elements
        default: return nil
        }
    }

    /// The pairs of a RESP3 map, or of a RESP2 array of alternating keys and values
    /// (how RESP2 sends `HGETALL` and `CONFIG GET`), so callers need not know the version.
    /// Returns `nil` for an array of odd length.
    public var map: [(key: RESPValue, value: RESPValue)]? {
        switch withoutAttributes {
        case .map(let pairs):
            return pairs
        case .array(let elements) where elements.count.isMultiple(of: 2):
            return stride(from: 0, to: elements.count, by: 2).map { (key: elements[$0], value: elements[$0 + 1]) }
        default:
            return nil
        }
    }

    /// Whether this is a null of either protocol version.
    public var isNull: Bool {
        if case .null = withoutAttributes { return true }
        return false
    }

    /// The message of a simple or blob error, or `nil` for a successful reply.
    public var errorMessage: String? {
        switch withoutAttributes {
        case .simpleError(let message), .blobError(let message): return message
        default: return nil
        }
    }
}
