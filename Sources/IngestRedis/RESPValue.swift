import NIOCore

/// One value of the Redis serialization protocol, RESP2 or RESP3.
///
/// A single enum covers both protocol versions because a client negotiates the version
/// at connection time (`HELLO 3`) and must then understand whichever replies arrive.
/// RESP2 replies use only simple strings, simple errors, integers, bulk strings, arrays
/// and `.null`.
///
/// Representation choices:
/// - Bulk strings are `ByteBuffer`s because Redis values are binary-safe and the parser
///   hands out zero-copy slices of the bytes it received. A slice keeps the storage it was
///   cut from alive; copy it (`ByteBuffer(buffer.readableBytesView)`) before keeping it
///   for a long time if that matters.
/// - Textual types (simple strings, errors, verbatim strings, big numbers) are `String`s,
///   decoded as UTF-8 with invalid sequences replaced, because they are meant for humans
///   and for matching against error codes.
/// - Every "no value" form (RESP2 `$-1` and `*-1`, RESP3 `_`) is `.null`: callers never
///   need to know which protocol version produced it.
/// - Maps and attributes keep their entries as ordered pairs rather than a `Dictionary`:
///   keys may be any value (including non-hashable aggregates), order is meaningful to
///   some commands, and encoding a parsed map reproduces the original bytes.
public indirect enum RESPValue: Sendable {
    /// `+OK\r\n`: a short, non-binary status line.
    case simpleString(String)
    /// `-ERR message\r\n`: a failure reported on a single line.
    case simpleError(String)
    /// `!<length>\r\n<message>\r\n` (RESP3): a failure whose message may contain line breaks.
    case blobError(String)
    /// `:<integer>\r\n`: a signed 64-bit integer.
    case integer(Int64)
    /// `$<length>\r\n<bytes>\r\n`: binary-safe bytes.
    case bulkString(ByteBuffer)
    /// `$-1\r\n`, `*-1\r\n` (RESP2) or `_\r\n` (RESP3): the absence of a value.
    case null
    /// `*<count>\r\n<elements>`: an ordered list.
    case array([RESPValue])
    /// `%<count>\r\n<key><value>...` (RESP3): `count` key-value pairs in wire order.
    case map([(key: RESPValue, value: RESPValue)])
    /// `~<count>\r\n<elements>` (RESP3): an unordered collection, kept in wire order.
    case set([RESPValue])
    /// `,<double>\r\n` (RESP3), including `inf`, `-inf` and `nan`.
    case double(Double)
    /// `#t\r\n` or `#f\r\n` (RESP3).
    case boolean(Bool)
    /// `(<digits>\r\n` (RESP3): an integer outside the 64-bit range, kept as its decimal text
    /// (an optional sign followed by digits) because Swift has no arbitrary-precision integer.
    case bigNumber(String)
    /// `=<length>\r\n<fmt>:<text>\r\n` (RESP3): text meant for display. `format` is the
    /// three-byte hint (`txt` or `mkd`) that precedes the colon.
    case verbatimString(format: String, text: String)
    /// `><count>\r\n<elements>` (RESP3): an out-of-band message (pub/sub, client tracking
    /// invalidation) that is not the reply to any command. The connection owner must route it
    /// away from the reply queue.
    case push([RESPValue])
    /// `|<count>\r\n<key><value>...<reply>` (RESP3): auxiliary data that precedes a reply.
    ///
    /// The parser surfaces attributes rather than silently dropping them, wrapping the reply
    /// they precede, so a caller that cares (for example about key popularity hints) can read
    /// them. Every accessor (`string`, `int`, `array`, ...) looks through this wrapper, so a
    /// caller that does not care gets the reply as if the attribute were absent; use
    /// ``withoutAttributes`` to unwrap explicitly before pattern matching.
    case attribute([(key: RESPValue, value: RESPValue)], RESPValue)
}

extension RESPValue: Equatable {
    /// Structural equality, with one deliberate difference from IEEE comparison: two NaN
    /// doubles are equal, so that a parsed `,nan\r\n` equals the value that produced it.
    public static func == (lhs: RESPValue, rhs: RESPValue) -> Bool {
        switch (lhs, rhs) {
        case (.simpleString(let l), .simpleString(let r)): return l == r
        case (.simpleError(let l), .simpleError(let r)): return l == r
        case (.blobError(let l), .blobError(let r)): return l == r
        case (.integer(let l), .integer(let r)): return l == r
        case (.bulkString(let l), .bulkString(let r)): return l == r
        case (.null, .null): return true
        case (.array(let l), .array(let r)): return l == r
        case (.map(let l), .map(let r)): return pairsEqual(l, r)
        case (.set(let l), .set(let r)): return l == r
        case (.double(let l), .double(let r)): return l == r || (l.isNaN && r.isNaN)
        case (.boolean(let l), .boolean(let r)): return l == r
        case (.bigNumber(let l), .bigNumber(let r)): return l == r
        case (.verbatimString(let lf, let lt), .verbatimString(let rf, let rt)): return lf == rf && lt == rt
        case (.push(let l), .push(let r)): return l == r
        case (.attribute(let la, let lv), .attribute(let ra, let rv)): return pairsEqual(la, ra) && lv == rv
        default: return false
        }
    }

    private static func pairsEqual(
        _ lhs: [(key: RESPValue, value: RESPValue)],
        _ rhs: [(key: RESPValue, value: RESPValue)]
    ) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
