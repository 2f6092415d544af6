import IngestRedis
import NIOCore

/// A small, fast, seeded generator (SplitMix64) so that randomised tests replay exactly:
/// a failure report names the seed, and rerunning reproduces it.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Parses wire bytes fed in one piece.
func parse(_ wire: [UInt8], limits: RESPParser.Limits = .default) throws(RESPError) -> [RESPValue] {
    var parser = RESPParser(limits: limits)
    var buffer = ByteBuffer(bytes: wire)
    return try parser.feed(&buffer)
}

/// Parses wire text fed in one piece.
func parse(_ wire: String, limits: RESPParser.Limits = .default) throws(RESPError) -> [RESPValue] {
    try parse(Array(wire.utf8), limits: limits)
}

/// Parses wire bytes fed in pieces of the given sizes (the last piece takes the rest).
func parse(_ wire: [UInt8], chunkSizes: [Int], limits: RESPParser.Limits = .default) throws(RESPError) -> [RESPValue] {
    var parser = RESPParser(limits: limits)
    var values: [RESPValue] = []
    var start = 0
    for size in chunkSizes + [wire.count] where start < wire.count {
        let end = min(wire.count, start + size)
        var chunk = ByteBuffer(bytes: wire[start..<end])
        values += try parser.feed(&chunk)
        start = end
    }
    return values
}

/// The RESP3 (or RESP2) encoding of a value, as bytes.
func wireBytes(_ value: RESPValue, version: RESPEncoder.Version = .resp3) -> [UInt8] {
    var buffer = ByteBuffer()
    RESPEncoder.encode(value, into: &buffer, version: version)
    return Array(buffer.readableBytesView)
}

/// The encoding as text, for exact comparisons against the wire forms in the RESP spec.
func wireText(_ value: RESPValue, version: RESPEncoder.Version = .resp3) -> String {
    String(decoding: wireBytes(value, version: version), as: UTF8.self)
}

extension RESPValue {
    /// A bulk string holding UTF-8 text, which is how most tests spell bulk strings.
    static func bulk(_ text: String) -> RESPValue {
        .bulkString(ByteBuffer(string: text))
    }
}
