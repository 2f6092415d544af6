import NIOCore

/// Writes RESP: commands for a client to send, and any ``RESPValue`` for tests and fake
/// servers to reply with.
public enum RESPEncoder {
    /// Which protocol version a peer expects replies in.
    public enum Version: Sendable {
        /// RESP2: RESP3-only types are written the way Redis itself downgrades them.
        case resp2
        /// RESP3: every ``RESPValue`` case has its own wire form.
        case resp3
    }

    /// Writes a command: an array of bulk strings, the only request form Redis accepts
    /// from clients besides inline commands.
    /// - Parameters:
    ///   - arguments: The command name followed by its arguments, e.g. `["SET", key, payload]`.
    ///   - buffer: Where the encoded command is appended.
    public static func encodeCommand(_ arguments: [any RESPArgument], into buffer: inout ByteBuffer) {
        writeHeader(ASCII.star, arguments.count, into: &buffer)
        for argument in arguments {
            argument.writeBulkString(into: &buffer)
        }
    }

    /// Writes any value.
    ///
    /// Text that RESP carries on a single line (simple strings, simple errors, big numbers)
    /// has CR and LF replaced by spaces, as Redis does for error messages, because a line
    /// break would end the value early and desynchronise the stream. A verbatim format that
    /// is not exactly three bytes is written as `txt`.
    /// - Parameters:
    ///   - value: The value to write.
    ///   - buffer: Where the encoding is appended.
    ///   - version: The peer's protocol version. For ``Version/resp2``, nulls become `$-1`,
    ///     maps become flat arrays, sets and pushes become arrays, doubles, big numbers and
    ///     verbatim strings become bulk strings, booleans become 1 or 0, blob errors become
    ///     simple errors and attributes are dropped.
    public static func encode(_ value: RESPValue, into buffer: inout ByteBuffer, version: Version = .resp3) {
        switch (value, version) {
        case (.simpleString(let text), _):
            writeLine(ASCII.plus, text, into: &buffer)
        case (.simpleError(let message), _), (.blobError(let message), .resp2):
            writeLine(ASCII.minus, message, into: &buffer)
        case (.blobError(let message), .resp3):
            writeHeader(ASCII.bang, message.utf8.count, into: &buffer)
            buffer.writeString(message)
            buffer.writeCRLF()
        case (.integer(let integer), _):
            buffer.writeInteger(ASCII.colon)
            writeDecimal(integer, into: &buffer)
            buffer.writeCRLF()
        case (.bulkString(let bytes), _):
            bytes.writeBulkString(into: &buffer)
        case (.null, .resp2):
            buffer.writeString("$-1\r\n")
        case (.null, .resp3):
            buffer.writeString("_\r\n")
        case (.array(let elements), _), (.set(let elements), .resp2), (.push(let elements), .resp2):
            writeAggregate(ASCII.star, elements, into: &buffer, version: version)
        case (.map(let pairs), .resp2):
            writeAggregate(ASCII.star, pairs.flatMap { [$0.key, $0.value] }, into: &buffer, version: version)
        case (.map(let pairs), .resp3):
            writePairs(ASCII.percent, pairs, into: &buffer)
        case (.set(let elements), .resp3):
            writeAggregate(ASCII.tilde, elements, into: &buffer, version: version)
        case (.double(let double), .resp2):
            text(of: double).writeBulkString(into: &buffer)
        case (.double(let double), .resp3):
            writeLine(ASCII.comma, text(of: double), into: &buffer)
        case (.boolean(let bool), .resp2):
            buffer.writeString(bool ? ":1\r\n" : ":0\r\n")
        case (.boolean(let bool), .resp3):
            buffer.writeString(bool ? "#t\r\n" : "#f\r\n")
        case (.bigNumber(let digits), .resp2):
            digits.writeBulkString(into: &buffer)
        case (.bigNumber(let digits), .resp3):
            writeLine(ASCII.openParen, digits, into: &buffer)
        case (.verbatimString(_, let text), .resp2):
            text.writeBulkString(into: &buffer)
        case (.verbatimString(let format, let text), .resp3):
            let prefix = format.utf8.count == 3 ? format : "txt"
            writeHeader(ASCII.equals, 4 + text.utf8.count, into: &buffer)
            buffer.writeString(prefix)
            buffer.writeInteger(ASCII.colon)
            buffer.writeString(text)
            buffer.writeCRLF()
        case (.push(let elements), .resp3):
            writeAggregate(ASCII.greaterThan, elements, into: &buffer, version: version)
        case (.attribute(_, let reply), .resp2):
            encode(reply, into: &buffer, version: version)
        case (.attribute(let attributes, let reply), .resp3):
            writePairs(ASCII.pipe, attributes, into: &buffer)
            encode(reply, into: &buffer, version: version)
        }
    }

    /// The text RESP uses for a double: Swift's shortest round-tripping form, with the
    /// spellings `inf`, `-inf` and `nan` that Redis uses.
    static func text(of double: Double) -> String {
        if double.isNaN { return "nan" }
        if double.isInfinite { return double < 0 ? "-inf" : "inf" }
        return double.description
    }

    /// Writes `<type><count>\r\n`.
    static func writeHeader(_ type: UInt8, _ count: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(type)
        writeDecimal(Int64(count), into: &buffer)
        buffer.writeCRLF()
    }

    private static func writeAggregate(
        _ type: UInt8, _ elements: [RESPValue], into buffer: inout ByteBuffer, version: Version
    ) {
        writeHeader(type, elements.count, into: &buffer)
        for element in elements {
            encode(element, into: &buffer, version: version)
        }
    }

    private static func writePairs(
        _ type: UInt8, _ pairs: [(key: RESPValue, value: RESPValue)], into buffer: inout ByteBuffer
    ) {
        writeHeader(type, pairs.count, into: &buffer)
        for pair in pairs {
            encode(pair.key, into: &buffer, version: .resp3)
            encode(pair.value, into: &buffer, version: .resp3)
        }
    }

    private static func writeLine(_ type: UInt8, _ text: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(type)
        for byte in text.utf8 {
            buffer.writeInteger(byte == ASCII.cr || byte == ASCII.lf ? UInt8(ascii: " ") : byte)
        }
        buffer.writeCRLF()
    }

    /// Writes an integer's decimal digits. Integers of up to 15 digits are small strings,
    /// so this does not allocate for any realistic length header.
    private static func writeDecimal(_ value: Int64, into buffer: inout ByteBuffer) {
        buffer.writeString(String(value))
    }
}
