import IngestRedis
import NIOCore
import Testing

@Suite("Incremental parsing")
struct RESPParserIncrementalTests {
    /// Every type, nesting, a payload containing CRLF and an attribute, in one stream.
    static let stream = WireExample.canonical.map(\.wire).joined()
    static let streamValues = WireExample.canonical.map(\.value)

    @Test func severalValuesInOneBufferAreAllReturnedInOrder() throws {
        #expect(try parse(Self.stream) == Self.streamValues)
    }

    @Test func splittingAtEveryByteBoundaryGivesTheSameValues() throws {
        let wire = Array(Self.stream.utf8)
        for split in 0...wire.count {
            #expect(try parse(wire, chunkSizes: [split]) == Self.streamValues, "split at \(split)")
        }
    }

    @Test func feedingOneByteAtATimeGivesTheSameValues() throws {
        let wire = Array(Self.stream.utf8)
        #expect(try parse(wire, chunkSizes: Array(repeating: 1, count: wire.count)) == Self.streamValues)
    }

    @Test func splittingAtEveryPairOfBoundariesGivesTheSameValue() throws {
        let example = WireExample.canonical.first { $0.name == "attribute before a reply" }!
        let wire = Array(example.wire.utf8)
        for first in 0...wire.count {
            for second in 0...(wire.count - first) {
                #expect(try parse(wire, chunkSizes: [first, second]) == [example.value], "split at \(first), +\(second)")
            }
        }
    }

    @Test func aPartialValueIsHeldUntilItCompletes() throws {
        var parser = RESPParser()
        var head = ByteBuffer(string: "*2\r\n$5\r\nhel")
        #expect(try parser.feed(&head) == [])
        #expect(head.readableBytes == 0)
        #expect(parser.hasPartialValue)
        var tail = ByteBuffer(string: "lo\r\n:1\r\n")
        #expect(try parser.feed(&tail) == [.array([.bulk("hello"), .integer(1)])])
        #expect(!parser.hasPartialValue)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func completedElementsAreNotRetainedWhileTheirArrayIsOpen() throws {
        var parser = RESPParser()
        var head = ByteBuffer(string: "*3\r\n$5\r\nhello\r\n:1\r\n:")
        #expect(try parser.feed(&head) == [])
        #expect(parser.bufferedByteCount == 1)
    }

    @Test func aCRLFSplitBetweenReadsIsJoined() throws {
        var parser = RESPParser()
        var head = ByteBuffer(string: "+OK\r")
        #expect(try parser.feed(&head) == [])
        var tail = ByteBuffer(string: "\n")
        #expect(try parser.feed(&tail) == [.simpleString("OK")])
    }

    @Test func onlyTheReadableBytesOfTheCallersBufferAreParsed() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "ignored+OK\r\n:1")
        buffer.moveReaderIndex(forwardBy: 7)
        #expect(try parser.feed(&buffer) == [.simpleString("OK")])
        var tail = ByteBuffer(string: "\r\n")
        #expect(try parser.feed(&tail) == [.integer(1)])
    }

    @Test func nextReturnsOneValueAtATime() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "+a\r\n+b\r\n")
        parser.append(&buffer)
        #expect(try parser.next() == .simpleString("a"))
        #expect(try parser.next() == .simpleString("b"))
        #expect(try parser.next() == nil)
    }

    @Test func emptyInputYieldsNothing() throws {
        var parser = RESPParser()
        var empty = ByteBuffer()
        #expect(try parser.feed(&empty) == [])
        #expect(!parser.hasPartialValue)
    }

    @Test func bulkStringsAreSlicesIndependentOfLaterInput() throws {
        var parser = RESPParser()
        var first = ByteBuffer(string: "$3\r\nabc\r\n$2\r\n")
        let values = try parser.feed(&first)
        var second = ByteBuffer(string: "xy\r\n")
        #expect(try parser.feed(&second) == [.bulk("xy")])
        #expect(values == [.bulk("abc")])
    }

    @Test func errorOffsetsCountBytesFromEveryEarlierRead() throws {
        var parser = RESPParser()
        var first = ByteBuffer(string: "+OK\r\n:1")
        _ = try parser.feed(&first)
        var second = ByteBuffer(string: "\r\n@")
        #expect(throws: RESPError.unknownType(byte: UInt8(ascii: "@"), offset: 9)) { try parser.feed(&second) }
    }

    @Test func aFailedParserKeepsThrowingTheSameError() throws {
        var parser = RESPParser()
        var bad = ByteBuffer(string: "@\r\n")
        let expected = RESPError.unknownType(byte: UInt8(ascii: "@"), offset: 0)
        #expect(throws: expected) { try parser.feed(&bad) }
        var good = ByteBuffer(string: "+OK\r\n")
        #expect(throws: expected) { try parser.feed(&good) }
    }

    @Test func aFailedParserDiscardsFurtherInput() {
        var parser = RESPParser()
        var bad = ByteBuffer(string: "*2\r\n:1\r\n@")
        #expect(throws: RESPError.self) { try parser.feed(&bad) }
        var more = ByteBuffer(repeating: 0x61, count: 4096)
        #expect(throws: RESPError.self) { try parser.feed(&more) }
        #expect(more.readableBytes == 0)
        #expect(parser.bufferedByteCount == 0)
    }
}
