import IngestRedis
import NIOCore
import Testing

/// One value and its exact wire form, as given in the RESP specification.
struct WireExample: Sendable, CustomTestStringConvertible {
    var name: String
    var wire: String
    var value: RESPValue

    var testDescription: String { name }

    /// Forms the encoder produces, so parsing and encoding are checked against one table.
    static let canonical: [WireExample] = [
        .init(name: "simple string", wire: "+OK\r\n", value: .simpleString("OK")),
        .init(name: "empty simple string", wire: "+\r\n", value: .simpleString("")),
        .init(name: "simple error", wire: "-ERR unknown command 'foo'\r\n", value: .simpleError("ERR unknown command 'foo'")),
        .init(name: "blob error", wire: "!21\r\nSYNTAX invalid syntax\r\n", value: .blobError("SYNTAX invalid syntax")),
        .init(name: "integer", wire: ":1000\r\n", value: .integer(1000)),
        .init(name: "negative integer", wire: ":-42\r\n", value: .integer(-42)),
        .init(name: "largest integer", wire: ":9223372036854775807\r\n", value: .integer(.max)),
        .init(name: "smallest integer", wire: ":-9223372036854775808\r\n", value: .integer(.min)),
        .init(name: "bulk string", wire: "$5\r\nhello\r\n", value: .bulk("hello")),
        .init(name: "empty bulk string", wire: "$0\r\n\r\n", value: .bulk("")),
        .init(name: "bulk string containing CRLF", wire: "$4\r\na\r\nb\r\n", value: .bulk("a\r\nb")),
        .init(name: "RESP3 null", wire: "_\r\n", value: .null),
        .init(name: "array", wire: "*2\r\n$3\r\nfoo\r\n:1\r\n", value: .array([.bulk("foo"), .integer(1)])),
        .init(name: "empty array", wire: "*0\r\n", value: .array([])),
        .init(
            name: "map", wire: "%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
            value: .map([(.simpleString("first"), .integer(1)), (.simpleString("second"), .integer(2))])),
        .init(name: "empty map", wire: "%0\r\n", value: .map([])),
        .init(name: "set", wire: "~2\r\n+a\r\n+b\r\n", value: .set([.simpleString("a"), .simpleString("b")])),
        .init(name: "double", wire: ",1.23\r\n", value: .double(1.23)),
        .init(name: "positive infinity", wire: ",inf\r\n", value: .double(.infinity)),
        .init(name: "negative infinity", wire: ",-inf\r\n", value: .double(-.infinity)),
        .init(name: "not a number", wire: ",nan\r\n", value: .double(.nan)),
        .init(name: "true", wire: "#t\r\n", value: .boolean(true)),
        .init(name: "false", wire: "#f\r\n", value: .boolean(false)),
        .init(
            name: "big number", wire: "(3492890328409238509324850943850943825024385\r\n",
            value: .bigNumber("3492890328409238509324850943850943825024385")),
        .init(name: "negative big number", wire: "(-12345678901234567890\r\n", value: .bigNumber("-12345678901234567890")),
        .init(
            name: "verbatim string", wire: "=15\r\ntxt:Some string\r\n",
            value: .verbatimString(format: "txt", text: "Some string")),
        .init(
            name: "push", wire: ">3\r\n+message\r\n+channel\r\n$5\r\nhello\r\n",
            value: .push([.simpleString("message"), .simpleString("channel"), .bulk("hello")])),
        .init(
            name: "attribute before a reply",
            wire: "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n",
            value: .attribute(
                [(.simpleString("key-popularity"), .map([(.bulk("a"), .double(0.1923)), (.bulk("b"), .double(0.0012))]))],
                .array([.integer(2_039_123), .integer(9_543_892)]))),
        .init(name: "empty attribute", wire: "|0\r\n:1\r\n", value: .attribute([], .integer(1))),
        .init(
            name: "attribute before an array element",
            wire: "*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nk\r\n:7\r\n",
            value: .array([.attribute([(.simpleString("ttl"), .integer(3600))], .bulk("k")), .integer(7)])),
        .init(
            name: "nested aggregates",
            wire: "*3\r\n%1\r\n+set\r\n~2\r\n:1\r\n:2\r\n*1\r\n*0\r\n>1\r\n_\r\n",
            value: .array([
                .map([(.simpleString("set"), .set([.integer(1), .integer(2)]))]),
                .array([.array([])]),
                .push([.null]),
            ])),
        .init(
            name: "map with aggregate keys",
            wire: "%1\r\n*1\r\n:1\r\n#t\r\n",
            value: .map([(.array([.integer(1)]), .boolean(true))])),
    ]

    /// Forms a server may send that the encoder writes differently.
    static let alternative: [WireExample] = [
        .init(name: "RESP2 null bulk string", wire: "$-1\r\n", value: .null),
        .init(name: "RESP2 null array", wire: "*-1\r\n", value: .null),
        .init(name: "integer with plus sign", wire: ":+7\r\n", value: .integer(7)),
        .init(name: "integer with leading zeros", wire: ":007\r\n", value: .integer(7)),
        .init(name: "integral double", wire: ",10\r\n", value: .double(10)),
        .init(name: "double with exponent", wire: ",-1.5E3\r\n", value: .double(-1500)),
        .init(name: "double with signed infinity", wire: ",+inf\r\n", value: .double(.infinity)),
        .init(name: "markdown verbatim string", wire: "=8\r\nmkd:# hi\r\n", value: .verbatimString(format: "mkd", text: "# hi")),
        .init(name: "verbatim string with empty text", wire: "=4\r\ntxt:\r\n", value: .verbatimString(format: "txt", text: "")),
    ]
}
