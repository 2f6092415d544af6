import IngestRedis
import NIOCore
import Testing

@Suite("Parsing each RESP type")
struct RESPParserTypeTests {
    @Test("parses the spec's wire form of each type", arguments: WireExample.canonical + WireExample.alternative)
    func parsesWireForm(_ example: WireExample) throws {
        #expect(try parse(example.wire) == [example.value])
    }

    @Test func replacesInvalidUTF8InSimpleStrings() throws {
        #expect(try parse([UInt8(ascii: "+"), 0xFF, UInt8(ascii: "a"), 0x0D, 0x0A]) == [.simpleString("\u{FFFD}a")])
    }

    @Test func keepsBinaryBulkStringsByteForByte() throws {
        let payload: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x80]
        let values = try parse(Array("$5\r\n".utf8) + payload + [0x0D, 0x0A])
        #expect(values == [.bulkString(ByteBuffer(bytes: payload))])
    }

    @Test func nullsOfBothVersionsAreTheSameValue() throws {
        #expect(try parse("$-1\r\n*-1\r\n_\r\n") == [.null, .null, .null])
    }

    @Test func nullMayBeAnArrayElement() throws {
        #expect(try parse("*3\r\n$-1\r\n*-1\r\n_\r\n") == [.array([.null, .null, .null])])
    }

    @Test func deeplyNestedArraysWithinTheLimitParse() throws {
        let wire = String(repeating: "*1\r\n", count: 64) + ":1\r\n"
        var expected = RESPValue.integer(1)
        for _ in 0..<64 { expected = .array([expected]) }
        #expect(try parse(wire) == [expected])
    }

    @Test func attributeChainsWrapTheReplyInOrder() throws {
        let values = try parse("|1\r\n+a\r\n:1\r\n|1\r\n+b\r\n:2\r\n+OK\r\n")
        #expect(values == [.attribute([(.simpleString("a"), .integer(1))], .attribute([(.simpleString("b"), .integer(2))], .simpleString("OK")))])
    }

    @Test func pushMessagesArriveBetweenReplies() throws {
        let values = try parse("+OK\r\n>2\r\n+invalidate\r\n*1\r\n$3\r\nkey\r\n:5\r\n")
        #expect(values == [.simpleString("OK"), .push([.simpleString("invalidate"), .array([.bulk("key")])]), .integer(5)])
    }
}
