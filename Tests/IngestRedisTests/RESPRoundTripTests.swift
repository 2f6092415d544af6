import IngestRedis
import NIOCore
import Testing

@Suite("Encode then parse")
struct RESPRoundTripTests {
    @Test func randomValueTreesSurviveEncodingAndParsing() throws {
        var rng = SeededGenerator(seed: 0xC0DE_0001)
        for _ in 0..<3000 {
            let value = RandomRESP.value(depth: 5, using: &rng)
            #expect(try parse(wireBytes(value)) == [value], "\(value)")
        }
    }

    @Test func randomValueTreesSurviveFragmentedDelivery() throws {
        var rng = SeededGenerator(seed: 0xC0DE_0002)
        for _ in 0..<3000 {
            let value = RandomRESP.value(depth: 5, using: &rng)
            let chunks = RandomRESP.chunkSizes(using: &rng)
            #expect(try parse(wireBytes(value), chunkSizes: chunks) == [value], "\(value) in \(chunks)")
        }
    }

    @Test func aStreamOfRandomValuesParsesBackInOrder() throws {
        var rng = SeededGenerator(seed: 0xC0DE_0003)
        let values = (0..<500).map { _ in RandomRESP.value(depth: 3, using: &rng) }
        let wire = values.flatMap { wireBytes($0) }
        #expect(try parse(wire, chunkSizes: RandomRESP.chunkSizes(using: &rng)) == values)
    }

    @Test func randomValuesEncodedForRESP2ParseAsRESP2Types() throws {
        var rng = SeededGenerator(seed: 0xC0DE_0004)
        for _ in 0..<1000 {
            let value = RandomRESP.value(depth: 4, using: &rng)
            let parsed = try parse(wireBytes(value, version: .resp2))
            #expect(parsed.count == 1)
            #expect(parsed.allSatisfy(Self.isRESP2), "\(value) became \(parsed)")
        }
    }

    static func isRESP2(_ value: RESPValue) -> Bool {
        switch value {
        case .simpleString, .simpleError, .integer, .bulkString, .null: return true
        case .array(let elements): return elements.allSatisfy(isRESP2)
        default: return false
        }
    }
}
