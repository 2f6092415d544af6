import NIOCore

/// An incremental RESP2/RESP3 parser: bytes in, complete values out, no I/O.
///
/// It is a pure state machine so that every framing rule can be tested exhaustively
/// without sockets; the channel handler only moves bytes between the network and it.
///
/// Input may be split anywhere, including inside a CRLF or a length header. The parser
/// consumes each element as soon as it is complete and keeps only the unfinished tail, so
/// it never re-reads bytes and aggregates of millions of elements cost linear time. Between
/// calls it retains at most `maxLineLength + 2` bytes of an unfinished line, or the
/// unfinished payload of one bulk value (at most `maxBulkLength + 2` bytes), plus the
/// elements of unfinished aggregates, which are no more than the bytes that encoded them.
///
/// On malformed input it throws a ``RESPError`` and stays failed: every later call
/// throws the same error, because a RESP stream cannot be resynchronised and the owner
/// must close the connection.
///
/// Streamed RESP3 types (`$?`, `*?` and friends) are rejected with
/// ``RESPError/streamedTypeUnsupported(type:offset:)``: Redis never sends them.
public struct RESPParser: Sendable {
    /// Bounds that keep a hostile or broken server from exhausting memory or stack.
    public struct Limits: Sendable, Equatable {
        /// How many aggregates (arrays, maps, sets, pushes, attributes) may enclose one another.
        /// Code that walks values recurses, so this bounds its stack use as well.
        public var maxDepth: Int
        /// The largest bulk string, blob error or verbatim string, in bytes.
        public var maxBulkLength: Int
        /// The largest element count of an array, set or push, and pair count of a map or attribute.
        public var maxAggregateCount: Int
        /// The longest simple string, error, number or header line, in bytes without its
        /// type byte and CRLF. Unlike bulk values these have no declared length, so without
        /// this bound a server that never sends CRLF would grow the buffer forever.
        public var maxLineLength: Int

        /// - Parameters:
        ///   - maxDepth: Nesting limit; 64 is far beyond any Redis reply.
        ///   - maxBulkLength: 512 MiB, the largest string Redis itself stores.
        ///   - maxAggregateCount: 16,777,216 elements; large `KEYS`/`SMEMBERS` replies fit.
        ///   - maxLineLength: 64 KiB, Redis's own limit for inline protocol lines.
        public init(
            maxDepth: Int = 64,
            maxBulkLength: Int = 512 * 1024 * 1024,
            maxAggregateCount: Int = 1 << 24,
            maxLineLength: Int = 64 * 1024
        ) {
            precondition(maxDepth > 0 && maxBulkLength >= 0 && maxLineLength > 0, "RESP limits must be positive")
            precondition(
                maxBulkLength <= Self.largestLength && maxLineLength <= Self.largestLength,
                "RESP length limits must fit in a ByteBuffer, which holds at most 4 GiB")
            precondition(
                maxAggregateCount >= 0 && maxAggregateCount <= Int.max / 2,
                "maxAggregateCount must allow doubling for map pairs")
            self.maxDepth = maxDepth
            self.maxBulkLength = maxBulkLength
            self.maxAggregateCount = maxAggregateCount
            self.maxLineLength = maxLineLength
        }

        /// The largest allowed `maxBulkLength` or `maxLineLength`: 2 GiB leaves room below
        /// `ByteBuffer`'s 4 GiB capacity for the bytes that arrive alongside a payload.
        public static let largestLength = 1 << 31

        /// The limits described on ``init(maxDepth:maxBulkLength:maxAggregateCount:maxLineLength:)``.
        public static let `default` = Limits()
    }

    /// The kinds of aggregate, which differ only in how their elements are assembled.
    enum Aggregate: Sendable {
        case array, set, push, map, attribute
    }

    /// An aggregate whose header has been read but not all of its elements.
    struct Frame: Sendable {
        var kind: Aggregate
        /// Element count still to collect; maps and attributes count keys and values separately.
        var expected: Int
        var elements: [RESPValue]
        /// Set once an attribute's pairs are complete: the frame then waits for the one
        /// reply that the attribute decorates.
        var attributes: [(key: RESPValue, value: RESPValue)]?
    }

    /// A bulk value whose header has been consumed and whose payload has not fully arrived.
    struct PendingBulk: Sendable {
        enum Kind: Sendable { case bulkString, blobError, verbatimString }
        var kind: Kind
        var length: Int
    }

    /// The limits this parser enforces.
    public let limits: Limits
    var buffer = ByteBuffer()
    /// Stream offset of `buffer.readerIndex`, for error reports.
    var consumedBytes = 0
    var stack: [Frame] = []
    var pendingBulk: PendingBulk?
    var failure: RESPError?

    /// - Parameter limits: The bounds to enforce; ``Limits/default`` suits a Redis server.
    public init(limits: Limits = .default) {
        self.limits = limits
    }

    /// How many received bytes are held waiting for the rest of a value. Exposed so tests
    /// and metrics can check that the parser's memory stays bounded.
    public var bufferedByteCount: Int { buffer.readableBytes }

    /// Whether a value has started arriving but is not complete. A connection closed in this
    /// state lost a reply mid-flight.
    public var hasPartialValue: Bool { buffer.readableBytes > 0 || !stack.isEmpty || pendingBulk != nil }

    /// Takes all readable bytes of `bytes` into the parser without parsing them.
    ///
    /// When nothing is buffered the parser adopts `bytes`' storage instead of copying, so
    /// values that arrive whole in one read are parsed in place.
    /// - Parameter bytes: Bytes received from the server; left with no readable bytes.
    public mutating func append(_ bytes: inout ByteBuffer) {
        defer { bytes.moveReaderIndex(to: bytes.writerIndex) }
        guard failure == nil else { return }
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            buffer.discardReadBytes()
            buffer.writeBuffer(&bytes)
        }
    }

    /// Parses the next complete top-level value from the bytes appended so far.
    /// - Returns: The value, or `nil` if more bytes are needed.
    /// - Throws: ``RESPError`` if the stream is malformed or exceeds a limit, now or earlier.
    public mutating func next() throws(RESPError) -> RESPValue? {
        if let failure { throw failure }
        do throws(RESPError) {
            while true {
                let completed: RESPValue?
                switch try step() {
                case .needMoreInput:
                    releaseBufferIfConsumed()
                    return nil
                case .progress:
                    completed = nil
                case .value(let value):
                    completed = deliver(value)
                case .open(let kind, let count):
                    completed = open(kind, count: count)
                }
                if let completed {
                    releaseBufferIfConsumed()
                    return completed
                }
            }
        } catch {
            // Nothing more will be parsed, so keep the error and drop everything else.
            failure = error
            buffer = ByteBuffer()
            stack = []
            pendingBulk = nil
            throw error
        }
    }

    /// Appends `bytes` and parses every value they complete.
    /// - Parameter bytes: Bytes received from the server; left with no readable bytes.
    /// - Returns: The complete top-level values, in order; empty if more bytes are needed.
    /// - Throws: ``RESPError`` if the stream is malformed or exceeds a limit. Values completed
    ///   before the malformed byte are lost with it: the connection is unusable either way.
    public mutating func feed(_ bytes: inout ByteBuffer) throws(RESPError) -> [RESPValue] {
        append(&bytes)
        var values: [RESPValue] = []
        while let value = try next() {
            values.append(value)
        }
        return values
    }

    /// Starts collecting an aggregate's elements, or delivers it at once when it has none.
    /// An attribute always waits, since it decorates the value that follows it.
    mutating func open(_ kind: Aggregate, count: Int) -> RESPValue? {
        if count == 0, kind != .attribute {
            return deliver(Self.assemble(kind, elements: []))
        }
        let expected = kind == .map || kind == .attribute ? count * 2 : count
        stack.append(
            Frame(
                kind: kind, expected: expected, elements: Self.boundedCapacityArray(expected),
                attributes: expected == 0 ? [] : nil))
        return nil
    }

    /// Adds a finished element to the innermost open aggregate, closing every aggregate it
    /// completes. Returns the value when it completes a top-level value.
    mutating func deliver(_ finished: RESPValue) -> RESPValue? {
        var value = finished
        while !stack.isEmpty {
            let top = stack.count - 1
            if let attributes = stack[top].attributes {
                stack.removeLast()
                value = .attribute(attributes, value)
                continue
            }
            stack[top].elements.append(value)
            guard stack[top].elements.count == stack[top].expected else { return nil }
            let frame = stack.removeLast()
            if frame.kind == .attribute {
                stack.append(
                    Frame(kind: .attribute, expected: 0, elements: [], attributes: Self.pairs(frame.elements)))
                return nil
            }
            value = Self.assemble(frame.kind, elements: frame.elements)
        }
        return value
    }

    static func assemble(_ kind: Aggregate, elements: [RESPValue]) -> RESPValue {
        switch kind {
        case .array: return .array(elements)
        case .set: return .set(elements)
        case .push: return .push(elements)
        case .map, .attribute: return .map(pairs(elements))
        }
    }

    static func pairs(_ elements: [RESPValue]) -> [(key: RESPValue, value: RESPValue)] {
        stride(from: 0, to: elements.count - 1, by: 2).map { (key: elements[$0], value: elements[$0 + 1]) }
    }

    /// Reserves room for a declared count without trusting it: a header can claim millions
    /// of elements that never arrive, so storage grows only as elements do.
    static func boundedCapacityArray(_ declared: Int) -> [RESPValue] {
        var elements: [RESPValue] = []
        elements.reserveCapacity(min(declared, 1024))
        return elements
    }

    /// Drops the reference to fully consumed storage so a large payload, once handed out,
    /// is freed when the caller drops it rather than when the next read arrives.
    mutating func releaseBufferIfConsumed() {
        if buffer.readableBytes == 0 { buffer = ByteBuffer() }
    }
}
