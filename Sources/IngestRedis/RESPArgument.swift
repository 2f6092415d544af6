import NIOCore

/// A value that can be sent as one argument of a Redis command.
///
/// Commands are arrays of bulk strings, and arguments are naturally a mix of text
/// (command names, keys), binary payloads and numbers; this protocol lets one command
/// hold all of them without converting each to bytes first.
public protocol RESPArgument: Sendable {
    /// Writes the argument as a RESP bulk string (`$<length>\r\n<bytes>\r\n`).
    func writeBulkString(into buffer: inout ByteBuffer)
}

extension String: RESPArgument {
    public func writeBulkString(into buffer: inout ByteBuffer) {
        RESPEncoder.writeHeader(ASCII.dollar, utf8.count, into: &buffer)
        buffer.writeString(self)
        buffer.writeCRLF()
    }
}

extension Substring: RESPArgument {
    public func writeBulkString(into buffer: inout ByteBuffer) {
        RESPEncoder.writeHeader(ASCII.dollar, utf8.count, into: &buffer)
        buffer.writeSubstring(self)
        buffer.writeCRLF()
    }
}

extension ByteBuffer: RESPArgument {
    public func writeBulkString(into buffer: inout ByteBuffer) {
        RESPEncoder.writeHeader(ASCII.dollar, readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(self)
        buffer.writeCRLF()
    }
}

extension Array: RESPArgument where Element == UInt8 {
    public func writeBulkString(into buffer: inout ByteBuffer) {
        RESPEncoder.writeHeader(ASCII.dollar, count, into: &buffer)
        buffer.writeBytes(self)
        buffer.writeCRLF()
    }
}

extension Int: RESPArgument {
    /// Writes the decimal text, which is how Redis expects numeric arguments.
    public func writeBulkString(into buffer: inout ByteBuffer) {
        String(self).writeBulkString(into: &buffer)
    }
}

extension Double: RESPArgument {
    /// Writes the shortest text that reads back as the same double, and `inf`, `-inf`
    /// for infinities, which Redis accepts for sorted-set scores.
    public func writeBulkString(into buffer: inout ByteBuffer) {
        RESPEncoder.text(of: self).writeBulkString(into: &buffer)
    }
}

extension ByteBuffer {
    mutating func writeCRLF() {
        writeInteger(ASCII.cr)
        writeInteger(ASCII.lf)
    }
}
