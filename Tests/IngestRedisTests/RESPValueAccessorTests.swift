import IngestRedis
import NIOCore
import Testing

@Suite("Value accessors")
struct RESPValueAccessorTests {
    @Test func stringReadsEveryTextualType() {
        #expect(RESPValue.simpleString("OK").string == "OK")
        #expect(RESPValue.bulk("hello").string == "hello")
        #expect(RESPValue.verbatimString(format: "txt", text: "doc").string == "doc")
        #expect(RESPValue.bigNumber("123456789012345678901").string == "123456789012345678901")
        #expect(RESPValue.integer(1).string == nil)
    }

    @Test func stringIsNilForBulkBytesThatAreNotUTF8() {
        let binary = RESPValue.bulkString(ByteBuffer(bytes: [0xFF, 0xFE]))
        #expect(binary.string == nil)
        #expect(binary.bytes == ByteBuffer(bytes: [0xFF, 0xFE]))
    }

    @Test func intReadsIntegersAndNumericStrings() {
        #expect(RESPValue.integer(42).int == 42)
        #expect(RESPValue.bulk("-7").int == -7)
        #expect(RESPValue.simpleString("3").int == 3)
        #expect(RESPValue.bulk("x").int == nil)
        #expect(RESPValue.double(1).int == nil)
    }

    @Test func doubleReadsDoublesIntegersAndNumericStrings() {
        #expect(RESPValue.double(1.5).double == 1.5)
        #expect(RESPValue.integer(2).double == 2)
        #expect(RESPValue.bulk("2.25").double == 2.25)
    }

    @Test func boolReadsBooleansAndRESP2Integers() {
        #expect(RESPValue.boolean(true).bool == true)
        #expect(RESPValue.integer(0).bool == false)
        #expect(RESPValue.integer(1).bool == true)
        #expect(RESPValue.integer(2).bool == nil)
    }

    @Test func arrayReadsArraysSetsAndPushes() {
        #expect(RESPValue.array([.integer(1)]).array == [.integer(1)])
        #expect(RESPValue.set([.integer(1)]).array == [.integer(1)])
        #expect(RESPValue.push([.integer(1)]).array == [.integer(1)])
        #expect(RESPValue.null.array == nil)
    }

    @Test func mapReadsRESP3MapsAndRESP2FlatArrays() throws {
        let resp3 = try #require(RESPValue.map([(.bulk("f"), .bulk("v"))]).map)
        let resp2 = try #require(RESPValue.array([.bulk("f"), .bulk("v")]).map)
        #expect(resp3.map(\.key) == resp2.map(\.key))
        #expect(resp3.map(\.value) == resp2.map(\.value))
        #expect(RESPValue.array([.bulk("odd")]).map == nil)
    }

    @Test func isNullIsTrueOnlyForNull() {
        #expect(RESPValue.null.isNull)
        #expect(!RESPValue.bulk("").isNull)
        #expect(!RESPValue.array([]).isNull)
    }

    @Test func errorMessageReadsBothErrorTypes() {
        #expect(RESPValue.simpleError("ERR x").errorMessage == "ERR x")
        #expect(RESPValue.blobError("SYNTAX y").errorMessage == "SYNTAX y")
        #expect(RESPValue.simpleString("OK").errorMessage == nil)
    }

    @Test func accessorsLookThroughAttributes() {
        let decorated = RESPValue.attribute([(.simpleString("ttl"), .integer(5))], .bulk("42"))
        #expect(decorated.string == "42")
        #expect(decorated.int == 42)
        #expect(decorated.withoutAttributes == .bulk("42"))
        #expect(RESPValue.attribute([], .null).isNull)
    }

    @Test func nanDoublesAreEqual() {
        #expect(RESPValue.double(.nan) == .double(.nan))
        #expect(RESPValue.double(1) != .double(.nan))
    }

    @Test func valuesOfDifferentTypesAreNotEqual() {
        #expect(RESPValue.simpleString("a") != .bulk("a"))
        #expect(RESPValue.simpleError("a") != .blobError("a"))
        #expect(RESPValue.array([]) != .set([]))
        #expect(RESPValue.map([]) != .array([]))
    }

    @Test func descriptionIsReadable() {
        #expect(RESPValue.array([.bulk("a"), .integer(1), .null]).description == "[\"a\", (integer) 1, (nil)]")
        #expect(RESPValue.bulkString(ByteBuffer(bytes: [0xFF])).description == "<1 bytes>")
        #expect(RESPValue.map([(.simpleString("k"), .boolean(true))]).description == "{k: (boolean) true}")
    }
}
