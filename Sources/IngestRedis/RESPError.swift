/// Why the bytes received from a Redis server are not valid RESP.
///
/// Every case carries `offset`, the position in the stream (counting from the first byte
/// ever fed to the parser) of the byte where the problem was detected, so a report can be
/// matched against a packet capture. The stream cannot be resynchronised after any of
/// these, so the owner of the connection must close it.
public enum RESPError: Error, Equatable, Sendable {
    /// The first byte of a value is not a RESP2 or RESP3 type byte.
    case unknownType(byte: UInt8, offset: Int)
    /// A streamed RESP3 value (`$?`, `*?`, `%?`, `~?`, `;` chunks, `.` end marker). Redis
    /// never sends these, so supporting them would only add attack surface.
    case streamedTypeUnsupported(type: UInt8, offset: Int)
    /// A line ends in a lone `\n`, or a `\r` is followed by something other than `\n`.
    case malformedLineEnding(offset: Int)
    /// A line has more than `limit` bytes with no CRLF yet.
    case lineTooLong(limit: Int, offset: Int)
    /// A length or count header is not a decimal integer.
    case invalidLength(text: String, offset: Int)
    /// A length or count is negative other than the RESP2 null marker `-1` on `$` or `*`.
    case negativeLength(length: Int64, offset: Int)
    /// A bulk string, blob error or verbatim string declares more than `limit` bytes.
    case bulkTooLong(length: Int64, limit: Int, offset: Int)
    /// An aggregate declares more than `limit` elements (maps and attributes: pairs).
    case aggregateTooLarge(count: Int64, limit: Int, offset: Int)
    /// Aggregates (and attributes) are nested more than `limit` levels deep.
    case nestingTooDeep(limit: Int, offset: Int)
    /// The bytes after a bulk payload are not CRLF: the declared length was wrong.
    case missingBulkTerminator(offset: Int)
    /// A `:` line is not a decimal integer in the signed 64-bit range.
    case invalidInteger(text: String, offset: Int)
    /// A `,` line is not a decimal floating-point number, `inf`, `-inf` or `nan`.
    case invalidDouble(text: String, offset: Int)
    /// A `#` line is not `t` or `f`.
    case invalidBoolean(text: String, offset: Int)
    /// A `(` line is not an optionally signed sequence of decimal digits.
    case invalidBigNumber(text: String, offset: Int)
    /// A `_` line is not empty.
    case invalidNull(text: String, offset: Int)
    /// A verbatim string's payload does not start with a three-byte format and a colon.
    case invalidVerbatimString(offset: Int)

    /// Where in the stream the problem was detected.
    public var offset: Int {
        switch self {
        case .unknownType(_, let offset), .streamedTypeUnsupported(_, let offset),
            .malformedLineEnding(let offset), .lineTooLong(_, let offset),
            .invalidLength(_, let offset), .negativeLength(_, let offset),
            .bulkTooLong(_, _, let offset), .aggregateTooLarge(_, _, let offset),
            .nestingTooDeep(_, let offset), .missingBulkTerminator(let offset),
            .invalidInteger(_, let offset), .invalidDouble(_, let offset),
            .invalidBoolean(_, let offset), .invalidBigNumber(_, let offset),
            .invalidNull(_, let offset), .invalidVerbatimString(let offset):
            return offset
        }
    }
}

extension RESPError: CustomStringConvertible {
    public var description: String {
        let problem: String
        switch self {
        case .unknownType(let byte, _):
            problem = "unknown RESP type byte \(Self.show(byte))"
        case .streamedTypeUnsupported(let type, _):
            problem = "streamed RESP3 value of type \(Self.show(type)) is not supported (Redis does not send them)"
        case .malformedLineEnding:
            problem = "line does not end with CRLF"
        case .lineTooLong(let limit, _):
            problem = "line longer than \(limit) bytes without CRLF"
        case .invalidLength(let text, _):
            problem = "length '\(text)' is not a decimal integer"
        case .negativeLength(let length, _):
            problem = "negative length \(length) (only -1, on '$' and '*', means null)"
        case .bulkTooLong(let length, let limit, _):
            problem = "bulk length \(length) exceeds the limit of \(limit) bytes"
        case .aggregateTooLarge(let count, let limit, _):
            problem = "aggregate of \(count) elements exceeds the limit of \(limit)"
        case .nestingTooDeep(let limit, _):
            problem = "aggregates nested deeper than \(limit) levels"
        case .missingBulkTerminator:
            problem = "bulk payload is not followed by CRLF (wrong declared length)"
        case .invalidInteger(let text, _):
            problem = "integer '\(text)' is not a decimal 64-bit integer"
        case .invalidDouble(let text, _):
            problem = "double '\(text)' is not a number, inf, -inf or nan"
        case .invalidBoolean(let text, _):
            problem = "boolean '\(text)' is not 't' or 'f'"
        case .invalidBigNumber(let text, _):
            problem = "big number '\(text)' is not a signed decimal integer"
        case .invalidNull(let text, _):
            problem = "null carries unexpected text '\(text)'"
        case .invalidVerbatimString:
            problem = "verbatim string does not start with a three-byte format and ':'"
        }
        return "malformed RESP from server at byte \(offset): \(problem); the connection must be closed"
    }

    private static func show(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }
}
