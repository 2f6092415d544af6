import NIOCore

extension RESPParser {
    /// What reading one element header or scalar produced.
    enum Step {
        /// Not enough bytes yet; nothing was consumed.
        case needMoreInput
        /// A bulk header was consumed; its payload is read by the next step.
        case progress
        /// A complete scalar (or null) was consumed.
        case value(RESPValue)
        /// An aggregate header was consumed; `count` is elements, or pairs for maps and attributes.
        case open(Aggregate, count: Int)
    }

    /// Reads one element at the reader index. Consumes bytes only when it succeeds, so a
    /// partial element is simply retried when more bytes arrive.
    mutating func step() throws(RESPError) -> Step {
        if let pending = pendingBulk {
            return try finishBulk(pending)
        }
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            return .needMoreInput
        }
        switch type {
        case ASCII.plus, ASCII.minus, ASCII.colon, ASCII.comma, ASCII.hash, ASCII.openParen, ASCII.underscore:
            return try readScalar(type)
        case ASCII.dollar:
            return try readBulkHeader(.bulkString, type: type)
        case ASCII.bang:
            return try readBulkHeader(.blobError, type: type)
        case ASCII.equals:
            return try readBulkHeader(.verbatimString, type: type)
        case ASCII.star:
            return try readAggregateHeader(.array, type: type)
        case ASCII.tilde:
            return try readAggregateHeader(.set, type: type)
        case ASCII.greaterThan:
            return try readAggregateHeader(.push, type: type)
        case ASCII.percent:
            return try readAggregateHeader(.map, type: type)
        case ASCII.pipe:
            return try readAggregateHeader(.attribute, type: type)
        case ASCII.semicolon, ASCII.period:
            throw .streamedTypeUnsupported(type: type, offset: offset(of: buffer.readerIndex))
        default:
            throw .unknownType(byte: type, offset: offset(of: buffer.readerIndex))
        }
    }

    private mutating func readScalar(_ type: UInt8) throws(RESPError) -> Step {
        guard let line = try findLine() else { return .needMoreInput }
        let value: RESPValue
        switch type {
        case ASCII.plus:
            value = .simpleString(text(line))
        case ASCII.minus:
            value = .simpleError(text(line))
        case ASCII.colon:
            guard let integer = withBytes(line, Self.parseInteger) else {
                throw .invalidInteger(text: excerpt(line), offset: offset(of: line.start))
            }
            value = .integer(integer)
        case ASCII.comma:
            guard let double = withBytes(line, Self.parseDouble) else {
                throw .invalidDouble(text: excerpt(line), offset: offset(of: line.start))
            }
            value = .double(double)
        case ASCII.hash:
            switch withBytes(line, { $0.count == 1 ? $0[0] : nil }) {
            case ASCII.t: value = .boolean(true)
            case ASCII.f: value = .boolean(false)
            default: throw .invalidBoolean(text: excerpt(line), offset: offset(of: line.start))
            }
        case ASCII.openParen:
            guard withBytes(line, Self.isBigNumber) else {
                throw .invalidBigNumber(text: excerpt(line), offset: offset(of: line.start))
            }
            value = .bigNumber(text(line))
        default:  // ASCII.underscore; `step` dispatches only scalar types here.
            guard line.length == 0 else {
                throw .invalidNull(text: excerpt(line), offset: offset(of: line.start))
            }
            value = .null
        }
        consume(through: line)
        return .value(value)
    }

    private mutating func readBulkHeader(_ kind: PendingBulk.Kind, type: UInt8) throws(RESPError) -> Step {
        guard let line = try findLine() else { return .needMoreInput }
        let length = try readLength(line, type: type)
        if length == -1 {
            guard type == ASCII.dollar else {
                throw .negativeLength(length: length, offset: offset(of: line.start))
            }
            consume(through: line)
            return .value(.null)
        }
        guard length <= limits.maxBulkLength else {
            throw .bulkTooLong(length: length, limit: limits.maxBulkLength, offset: offset(of: line.start))
        }
        consume(through: line)
        pendingBulk = PendingBulk(kind: kind, length: Int(length))
        return .progress
    }

    private mutating func finishBulk(_ pending: PendingBulk) throws(RESPError) -> Step {
        let start = buffer.readerIndex
        let terminator = start + pending.length
        guard buffer.readableBytes >= pending.length + 2,
            let payload = buffer.getSlice(at: start, length: pending.length),
            let cr = buffer.getInteger(at: terminator, as: UInt8.self),
            let lf = buffer.getInteger(at: terminator + 1, as: UInt8.self)
        else {
            return .needMoreInput
        }
        guard cr == ASCII.cr else { throw .missingBulkTerminator(offset: offset(of: terminator)) }
        guard lf == ASCII.lf else { throw .missingBulkTerminator(offset: offset(of: terminator + 1)) }
        let value: RESPValue
        switch pending.kind {
        case .bulkString:
            value = .bulkString(payload)
        case .blobError:
            value = .blobError(String(buffer: payload))
        case .verbatimString:
            guard pending.length >= 4, payload.getInteger(at: payload.readerIndex + 3, as: UInt8.self) == ASCII.colon
            else {
                throw .invalidVerbatimString(offset: offset(of: start))
            }
            value = .verbatimString(
                format: payload.getString(at: payload.readerIndex, length: 3) ?? "",
                text: payload.getString(at: payload.readerIndex + 4, length: pending.length - 4) ?? "")
        }
        consume(count: pending.length + 2)
        pendingBulk = nil
        return .value(value)
    }

    private mutating func readAggregateHeader(_ kind: Aggregate, type: UInt8) throws(RESPError) -> Step {
        guard let line = try findLine() else { return .needMoreInput }
        let count = try readLength(line, type: type)
        if count == -1 {
            guard type == ASCII.star else {
                throw .negativeLength(length: count, offset: offset(of: line.start))
            }
            consume(through: line)
            return .value(.null)
        }
        guard count <= limits.maxAggregateCount else {
            throw .aggregateTooLarge(count: count, limit: limits.maxAggregateCount, offset: offset(of: line.start))
        }
        guard stack.count < limits.maxDepth else {
            throw .nestingTooDeep(limit: limits.maxDepth, offset: offset(of: buffer.readerIndex))
        }
        consume(through: line)
        return .open(kind, count: Int(count))
    }

    /// Parses a length or count header: a decimal integer, at least -1, where -1 is left for
    /// the caller to interpret because only `$` and `*` give it meaning.
    private func readLength(_ line: Line, type: UInt8) throws(RESPError) -> Int64 {
        if withBytes(line, { $0.count == 1 && $0[0] == ASCII.questionMark }) {
            throw .streamedTypeUnsupported(type: type, offset: offset(of: buffer.readerIndex))
        }
        guard let length = withBytes(line, Self.parseInteger) else {
            throw .invalidLength(text: excerpt(line), offset: offset(of: line.start))
        }
        guard length >= -1 else {
            throw .negativeLength(length: length, offset: offset(of: line.start))
        }
        return length
    }
}

/// The bytes RESP gives meaning to.
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let plus = UInt8(ascii: "+")
    static let minus = UInt8(ascii: "-")
    static let colon = UInt8(ascii: ":")
    static let comma = UInt8(ascii: ",")
    static let hash = UInt8(ascii: "#")
    static let openParen = UInt8(ascii: "(")
    static let underscore = UInt8(ascii: "_")
    static let dollar = UInt8(ascii: "$")
    static let bang = UInt8(ascii: "!")
    static let equals = UInt8(ascii: "=")
    static let star = UInt8(ascii: "*")
    static let tilde = UInt8(ascii: "~")
    static let greaterThan = UInt8(ascii: ">")
    static let percent = UInt8(ascii: "%")
    static let pipe = UInt8(ascii: "|")
    static let semicolon = UInt8(ascii: ";")
    static let period = UInt8(ascii: ".")
    static let questionMark = UInt8(ascii: "?")
    static let t = UInt8(ascii: "t")
    static let f = UInt8(ascii: "f")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
}
