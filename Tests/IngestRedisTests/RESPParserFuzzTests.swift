import IngestRedis
import NIOCore
import Testing

/// Property tests: whatever bytes arrive, the parser returns values or throws
/// ``RESPError`` (its typed `throws` rules out anything else), never traps or hangs,
/// and never holds more than one line or one bulk payload of unparsed input.
@Suite("Parser robustness")
struct RESPParserFuzzTests {
    /// Small limits so that random input reaches every limit often.
    static let tightLimits = RESPParser.Limits(maxDepth: 4, maxBulkLength: 64, maxAggregateCount: 8, maxLineLength: 24)

    /// Feeds `input` in random fragments, checking after every fragment that the
    /// retained input stays within what the limits allow.
    static func feedChecked(
        _ input: [UInt8], limits: RESPParser.Limits, using rng: inout SeededGenerator
    ) -> (values: Int, error: RESPError?) {
        var parser = RESPParser(limits: limits)
        let bound = max(limits.maxLineLength, limits.maxBulkLength) + 2
        var start = 0
        var values = 0
        while start < input.count {
            let end = min(input.count, start + Int.random(in: 1...24, using: &rng))
            var chunk = ByteBuffer(bytes: input[start..<end])
            do {
                values += try parser.feed(&chunk).count
            } catch {
                return (values, error)
            }
            #expect(parser.bufferedByteCount <= bound, "retained \(parser.bufferedByteCount) bytes of \(input)")
            start = end
        }
        return (values, nil)
    }

    @Test(arguments: [RESPParser.Limits.default, tightLimits])
    func randomBytesOnlyYieldValuesOrErrors(limits: RESPParser.Limits) {
        var rng = SeededGenerator(seed: 0x5EED_0001)
        var outcomes = (values: 0, errors: 0)
        for _ in 0..<5000 {
            let input = RandomRESP.protocolishBytes(maxCount: 80, using: &rng)
            let result = Self.feedChecked(input, limits: limits, using: &rng)
            outcomes.values += result.values
            outcomes.errors += result.error == nil ? 0 : 1
        }
        // Guards the generator: input that never parsed or never failed would test little.
        #expect(outcomes.values > 100)
        #expect(outcomes.errors > 100)
    }

    @Test(arguments: [RESPParser.Limits.default, tightLimits])
    func mutatedValidEncodingsOnlyYieldValuesOrErrors(limits: RESPParser.Limits) {
        var rng = SeededGenerator(seed: 0x5EED_0002)
        var errors = 0
        for _ in 0..<5000 {
            let value = RandomRESP.value(depth: 4, using: &rng)
            let input = RandomRESP.mutate(wireBytes(value), using: &rng)
            errors += Self.feedChecked(input, limits: limits, using: &rng).error == nil ? 0 : 1
        }
        #expect(errors > 100)
    }

    @Test func uniformlyRandomBytesOnlyYieldValuesOrErrors() {
        var rng = SeededGenerator(seed: 0x5EED_0003)
        for _ in 0..<5000 {
            let input = RandomRESP.bytes(maxCount: 64, using: &rng)
            _ = Self.feedChecked(input, limits: Self.tightLimits, using: &rng)
        }
    }

    @Test func everyPrefixOfValidInputIsIncompleteNotAnError() throws {
        var rng = SeededGenerator(seed: 0x5EED_0004)
        for _ in 0..<300 {
            let wire = wireBytes(RandomRESP.value(depth: 3, using: &rng))
            for length in 0..<wire.count {
                var parser = RESPParser()
                var prefix = ByteBuffer(bytes: wire[..<length])
                #expect(try parser.feed(&prefix) == [], "prefix \(length) of \(wire)")
            }
        }
    }
}
