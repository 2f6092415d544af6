import NIOCore

extension RESPParser {
    /// The content of a CRLF-terminated line that starts at the reader index, between its
    /// type byte and its CRLF, as buffer indices.
    struct Line {
        var start: Int
        var length: Int
    }

    /// Finds the line of the element at the reader index without consuming it.
    ///
    /// Scans at most `maxLineLength + 1` content bytes, so a peer that never sends CRLF
    /// costs bounded work and memory before it is rejected.
    /// - Returns: The line, or `nil` if its CRLF has not fully arrived.
    func findLine() throws(RESPError) -> Line? {
        let start = buffer.readerIndex + 1
        let available = buffer.writerIndex - start
        let scanLength = available > limits.maxLineLength ? limits.maxLineLength + 1 : available
        let terminatorOffset: Int? = buffer.withUnsafeReadableBytes { bytes in
            bytes[1..<(1 + scanLength)].firstIndex { $0 == ASCII.cr || $0 == ASCII.lf }
        }
        guard let terminatorOffset else {
            guard available <= limits.maxLineLength else {
                throw .lineTooLong(limit: limits.maxLineLength, offset: offset(of: start + limits.maxLineLength))
            }
            return nil
        }
        let length = terminatorOffset - 1
        let terminator = start + length
        guard buffer.getInteger(at: terminator, as: UInt8.self) == ASCII.cr else {
            throw .malformedLineEnding(offset: offset(of: terminator))
        }
        guard let lf = buffer.getInteger(at: terminator + 1, as: UInt8.self) else { return nil }
        guard lf == ASCII.lf else { throw .malformedLineEnding(offset: offset(of: terminator + 1)) }
        return Line(start: start, length: length)
    }

    /// Consumes the element whose line is `line`: type byte, content and CRLF.
    mutating func consume(through line: Line) {
        consume(count: line.start + line.length + 2 - buffer.readerIndex)
    }

    mutating func consume(count: Int) {
        buffer.moveReaderIndex(forwardBy: count)
        consumedBytes += count
    }

    /// The stream offset of the byte at buffer index `index`.
    func offset(of index: Int) -> Int {
        consumedBytes + (index - buffer.readerIndex)
    }

    /// Runs `body` over the line's bytes in place, avoiding a copy per integer header.
    func withBytes<T>(_ line: Line, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        let from = line.start - buffer.readerIndex
        return buffer.withUnsafeReadableBytes { bytes in
            body(UnsafeRawBufferPointer(rebasing: bytes[from..<(from + line.length)]))
        }
    }

    /// The line as text; invalid UTF-8 is replaced, never rejected, since status and
    /// error lines are for humans.
    func text(_ line: Line) -> String {
        buffer.getString(at: line.start, length: line.length) ?? ""
    }

    /// A short, printable rendering of an offending line for an error message, which must
    /// stay readable (and small) whatever bytes the peer sent.
    func excerpt(_ line: Line) -> String {
        let shown = min(line.length, 32)
        let text = withBytes(Line(start: line.start, length: shown)) { bytes in
            String(bytes.map { (0x20...0x7E).contains($0) ? Character(Unicode.Scalar($0)) : "?" })
        }
        return shown < line.length ? text + "..." : text
    }

    /// Parses an optionally signed decimal integer, rejecting overflow instead of trapping.
    /// Accumulates toward the sign so that `Int64.min` is representable.
    static func parseInteger(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        var negative = false
        if let first = bytes.first, first == ASCII.minus || first == ASCII.plus {
            negative = first == ASCII.minus
            index = 1
        }
        guard index < bytes.count else { return nil }
        var value: Int64 = 0
        while index < bytes.count {
            let digit = bytes[index]
            guard digit >= ASCII.zero, digit <= ASCII.nine else { return nil }
            let (shifted, shiftOverflow) = value.multipliedReportingOverflow(by: 10)
            let (next, addOverflow) =
                negative
                ? shifted.subtractingReportingOverflow(Int64(digit - ASCII.zero))
                : shifted.addingReportingOverflow(Int64(digit - ASCII.zero))
            guard !shiftOverflow, !addOverflow else { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// Parses a RESP3 double: `inf`, `-inf`, `nan`, or decimal digits with optional sign,
    /// fraction and exponent. The character check comes first because `Double.init` also
    /// accepts forms RESP does not (hexadecimal, `infinity`).
    static func parseDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default: break
        }
        let allowed = bytes.allSatisfy {
            ($0 >= ASCII.zero && $0 <= ASCII.nine) || $0 == ASCII.plus || $0 == ASCII.minus
                || $0 == ASCII.period || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
        }
        guard allowed, bytes.contains(where: { $0 >= ASCII.zero && $0 <= ASCII.nine }) else { return nil }
        return Double(text)
    }

    /// Whether the bytes are an optionally signed, non-empty run of decimal digits.
    static func isBigNumber(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var digits = bytes[...]
        if let first = digits.first, first == ASCII.minus || first == ASCII.plus {
            digits = digits.dropFirst()
        }
        return !digits.isEmpty && digits.allSatisfy { $0 >= ASCII.zero && $0 <= ASCII.nine }
    }
}
