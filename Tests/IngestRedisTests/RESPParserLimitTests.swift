import IngestRedis
import NIOCore
import Testing

@Suite("Parser limits")
struct RESPParserLimitTests {
    @Test func nestingBeyondSixtyFourLevelsIsRejected() {
        let wire = String(repeating: "*1\r\n", count: 65) + ":1\r\n"
        #expect(throws: RESPError.nestingTooDeep(limit: 64, offset: 64 * 4)) { try parse(wire) }
    }

    @Test func nestingLimitIsConfigurable() throws {
        let limits = RESPParser.Limits(maxDepth: 2)
        #expect(try parse("*1\r\n%1\r\n:1\r\n:2\r\n", limits: limits) == [.array([.map([(.integer(1), .integer(2))])])])
        #expect(throws: RESPError.nestingTooDeep(limit: 2, offset: 8)) { try parse("*1\r\n~1\r\n>0\r\n", limits: limits) }
    }

    @Test func emptyAggregatesCountTowardNesting() {
        #expect(throws: RESPError.nestingTooDeep(limit: 1, offset: 4)) {
            try parse("*1\r\n*0\r\n", limits: RESPParser.Limits(maxDepth: 1))
        }
    }

    @Test func attributesCountTowardNesting() {
        let wire = String(repeating: "|0\r\n", count: 65) + ":1\r\n"
        #expect(throws: RESPError.nestingTooDeep(limit: 64, offset: 64 * 4)) { try parse(wire) }
    }

    @Test func bulkStringsLongerThan512MiBAreRejectedFromTheHeader() {
        #expect(throws: RESPError.bulkTooLong(length: 536_870_913, limit: 536_870_912, offset: 1)) {
            try parse("$536870913\r\n")
        }
    }

    @Test func a512MiBHeaderIsAcceptedAndWaitsWithoutBuffering() throws {
        var parser = RESPParser()
        var header = ByteBuffer(string: "$536870912\r\n")
        #expect(try parser.feed(&header) == [])
        #expect(parser.hasPartialValue)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func blobErrorsAndVerbatimStringsShareTheBulkLimit() {
        let limits = RESPParser.Limits(maxBulkLength: 4)
        #expect(throws: RESPError.bulkTooLong(length: 5, limit: 4, offset: 1)) { try parse("!5\r\nERR x\r\n", limits: limits) }
        #expect(throws: RESPError.bulkTooLong(length: 9, limit: 4, offset: 1)) { try parse("=9\r\ntxt:hello\r\n", limits: limits) }
    }

    @Test func aggregatesLargerThanTheCountLimitAreRejectedFromTheHeader() {
        #expect(throws: RESPError.aggregateTooLarge(count: 16_777_217, limit: 16_777_216, offset: 1)) {
            try parse("*16777217\r\n")
        }
    }

    @Test func mapAndAttributeLimitsCountPairs() throws {
        let limits = RESPParser.Limits(maxAggregateCount: 1)
        #expect(try parse("%1\r\n:1\r\n:2\r\n", limits: limits) == [.map([(.integer(1), .integer(2))])])
        #expect(throws: RESPError.aggregateTooLarge(count: 2, limit: 1, offset: 1)) { try parse("%2\r\n", limits: limits) }
        #expect(throws: RESPError.aggregateTooLarge(count: 2, limit: 1, offset: 1)) { try parse("|2\r\n", limits: limits) }
        #expect(throws: RESPError.aggregateTooLarge(count: 2, limit: 1, offset: 1)) { try parse("~2\r\n", limits: limits) }
        #expect(throws: RESPError.aggregateTooLarge(count: 2, limit: 1, offset: 1)) { try parse(">2\r\n", limits: limits) }
    }

    @Test func aHugeDeclaredCountWaitsForElementsInsteadOfAllocating() throws {
        var parser = RESPParser()
        var header = ByteBuffer(string: "*16777216\r\n:1\r\n")
        #expect(try parser.feed(&header) == [])
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func lineLongerThanTheLimitWithoutCRLFIsRejected() {
        let limits = RESPParser.Limits(maxLineLength: 8)
        #expect(throws: RESPError.lineTooLong(limit: 8, offset: 9)) { try parse("+123456789", limits: limits) }
    }

    @Test func lineOfExactlyTheLimitIsAccepted() throws {
        let limits = RESPParser.Limits(maxLineLength: 8)
        #expect(try parse("+12345678\r\n", limits: limits) == [.simpleString("12345678")])
    }

    @Test func aServerThatNeverSendsCRLFIsRejectedAfter64KiB() throws {
        var parser = RESPParser()
        var head = ByteBuffer(string: "+" + String(repeating: "a", count: 64 * 1024))
        #expect(try parser.feed(&head) == [])
        var more = ByteBuffer(string: "a")
        #expect(throws: RESPError.lineTooLong(limit: 65_536, offset: 65_537)) { try parser.feed(&more) }
    }

    @Test func headerLinesAreLimitedToo() {
        let wire = "$" + String(repeating: "0", count: 40)
        #expect(throws: RESPError.lineTooLong(limit: 32, offset: 33)) {
            try parse(wire, limits: RESPParser.Limits(maxLineLength: 32))
        }
    }
}
