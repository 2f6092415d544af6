import IngestRedis
import NIOCore
import Testing

@Suite("Encoding")
struct RESPEncoderTests {
    static func command(_ arguments: [any RESPArgument]) -> String {
        var buffer = ByteBuffer()
        RESPEncoder.encodeCommand(arguments, into: &buffer)
        return String(buffer: buffer)
    }

    @Test func commandsAreArraysOfBulkStrings() {
        #expect(Self.command(["SET", "key", "value"]) == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n")
    }

    @Test func bulkLengthsCountUTF8BytesNotCharacters() {
        #expect(Self.command(["GET", "clé"]) == "*2\r\n$3\r\nGET\r\n$4\r\nclé\r\n")
    }

    @Test func argumentsMayMixTextBytesAndNumbers() {
        let key: Substring = "user:42".dropFirst(5)
        let encoded = Self.command(["ZADD", key, 2.5, 7, [0x61, 0x62] as [UInt8], ByteBuffer(string: "xyz")])
        #expect(encoded == "*6\r\n$4\r\nZADD\r\n$2\r\n42\r\n$3\r\n2.5\r\n$1\r\n7\r\n$2\r\nab\r\n$3\r\nxyz\r\n")
    }

    @Test func emptyArgumentsAreEmptyBulkStrings() {
        #expect(Self.command(["SET", "k", ""]) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
    }

    @Test func infiniteScoresUseRedisSpelling() {
        #expect(Self.command([Double.infinity, -Double.infinity]) == "*2\r\n$3\r\ninf\r\n$4\r\n-inf\r\n")
    }

    @Test func encodingAByteBufferArgumentLeavesItUnread() {
        let payload = ByteBuffer(string: "abc")
        _ = Self.command([payload])
        #expect(payload.readableBytes == 3)
    }

    @Test("encodes each type in its spec wire form", arguments: WireExample.canonical)
    func encodesWireForm(_ example: WireExample) {
        #expect(wireText(example.value) == example.wire)
    }

    @Test func lineBreaksInSingleLineTextBecomeSpaces() {
        #expect(wireText(.simpleString("a\r\nb")) == "+a  b\r\n")
        #expect(wireText(.simpleError("ERR\nbad")) == "-ERR bad\r\n")
    }

    @Test func aVerbatimFormatThatIsNotThreeBytesBecomesTxt() {
        #expect(wireText(.verbatimString(format: "markdown", text: "hi")) == "=6\r\ntxt:hi\r\n")
    }

    @Test func resp2DowngradesEveryRESP3Type() {
        #expect(wireText(.null, version: .resp2) == "$-1\r\n")
        #expect(wireText(.map([(.bulk("k"), .integer(1))]), version: .resp2) == "*2\r\n$1\r\nk\r\n:1\r\n")
        #expect(wireText(.set([.integer(1)]), version: .resp2) == "*1\r\n:1\r\n")
        #expect(wireText(.push([.integer(1)]), version: .resp2) == "*1\r\n:1\r\n")
        #expect(wireText(.double(1.5), version: .resp2) == "$3\r\n1.5\r\n")
        #expect(wireText(.boolean(true), version: .resp2) == ":1\r\n")
        #expect(wireText(.boolean(false), version: .resp2) == ":0\r\n")
        #expect(wireText(.bigNumber("123"), version: .resp2) == "$3\r\n123\r\n")
        #expect(wireText(.verbatimString(format: "txt", text: "hi"), version: .resp2) == "$2\r\nhi\r\n")
        #expect(wireText(.blobError("ERR a\nb"), version: .resp2) == "-ERR a b\r\n")
        #expect(wireText(.attribute([(.bulk("a"), .integer(1))], .integer(2)), version: .resp2) == ":2\r\n")
    }

    @Test func resp2DowngradeAppliesInsideAggregates() {
        #expect(wireText(.array([.null, .boolean(true)]), version: .resp2) == "*2\r\n$-1\r\n:1\r\n")
    }
}
