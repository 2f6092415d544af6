import IngestRedis
import NIOCore
import Testing

@Suite("Malformed input")
struct RESPParserMalformedInputTests {
    @Test func unknownTypeBytesAreRejected() {
        #expect(throws: RESPError.unknownType(byte: UInt8(ascii: "@"), offset: 0)) { try parse("@x\r\n") }
        #expect(throws: RESPError.unknownType(byte: 0, offset: 5)) { try parse([UInt8]("+OK\r\n".utf8) + [0]) }
    }

    @Test func streamedTypesAreRejected() {
        for type in "$*%~>|!=" {
            let byte = UInt8(ascii: type.unicodeScalars.first!)
            #expect(throws: RESPError.streamedTypeUnsupported(type: byte, offset: 0)) { try parse("\(type)?\r\n") }
        }
        #expect(throws: RESPError.streamedTypeUnsupported(type: UInt8(ascii: ";"), offset: 0)) { try parse(";4\r\nabcd\r\n") }
        #expect(throws: RESPError.streamedTypeUnsupported(type: UInt8(ascii: "."), offset: 0)) { try parse(".\r\n") }
    }

    @Test func aBareLineFeedIsRejected() {
        #expect(throws: RESPError.malformedLineEnding(offset: 3)) { try parse("+OK\n") }
    }

    @Test func aCarriageReturnNotFollowedByLineFeedIsRejected() {
        #expect(throws: RESPError.malformedLineEnding(offset: 4)) { try parse("+OK\rX\n") }
        #expect(throws: RESPError.malformedLineEnding(offset: 3)) { try parse("$3\r\r\nabc\r\n") }
    }

    @Test func negativeLengthsOtherThanNullAreRejected() {
        #expect(throws: RESPError.negativeLength(length: -2, offset: 1)) { try parse("$-2\r\n") }
        #expect(throws: RESPError.negativeLength(length: -5, offset: 1)) { try parse("*-5\r\n") }
    }

    @Test func minusOneIsNullOnlyForBulkStringsAndArrays() {
        for type in "!=%~>|" {
            #expect(throws: RESPError.negativeLength(length: -1, offset: 1)) { try parse("\(type)-1\r\n") }
        }
    }

    @Test func lengthsThatAreNotIntegersAreRejected() {
        #expect(throws: RESPError.invalidLength(text: "abc", offset: 1)) { try parse("$abc\r\n") }
        #expect(throws: RESPError.invalidLength(text: "", offset: 1)) { try parse("*\r\n") }
        #expect(throws: RESPError.invalidLength(text: "1.5", offset: 1)) { try parse("%1.5\r\n") }
        #expect(throws: RESPError.invalidLength(text: "99999999999999999999", offset: 1)) {
            try parse("$99999999999999999999\r\n")
        }
    }

    @Test func aBulkPayloadLongerThanDeclaredIsRejected() {
        #expect(throws: RESPError.missingBulkTerminator(offset: 6)) { try parse("$2\r\nabc\r\n") }
    }

    @Test func aBulkPayloadWithoutItsLineFeedIsRejected() {
        #expect(throws: RESPError.missingBulkTerminator(offset: 7)) { try parse("$2\r\nab\rc") }
    }

    @Test func integersMustBeDecimalAndFitSixtyFourBits() {
        #expect(throws: RESPError.invalidInteger(text: "12a", offset: 1)) { try parse(":12a\r\n") }
        #expect(throws: RESPError.invalidInteger(text: "", offset: 1)) { try parse(":\r\n") }
        #expect(throws: RESPError.invalidInteger(text: "-", offset: 1)) { try parse(":-\r\n") }
        #expect(throws: RESPError.invalidInteger(text: "9223372036854775808", offset: 1)) {
            try parse(":9223372036854775808\r\n")
        }
        #expect(throws: RESPError.invalidInteger(text: "-9223372036854775809", offset: 1)) {
            try parse(":-9223372036854775809\r\n")
        }
    }

    @Test func doublesMustBeDecimalOrTheNamedSpecialValues() {
        for text in ["abc", "", "0x1p3", "infinity", "1e", "-", "1.2.3x"] {
            #expect(throws: RESPError.invalidDouble(text: text, offset: 1)) { try parse(",\(text)\r\n") }
        }
    }

    @Test func booleansMustBeTOrF() {
        #expect(throws: RESPError.invalidBoolean(text: "x", offset: 1)) { try parse("#x\r\n") }
        #expect(throws: RESPError.invalidBoolean(text: "tt", offset: 1)) { try parse("#tt\r\n") }
        #expect(throws: RESPError.invalidBoolean(text: "", offset: 1)) { try parse("#\r\n") }
    }

    @Test func bigNumbersMustBeSignedDigits() {
        #expect(throws: RESPError.invalidBigNumber(text: "12.5", offset: 1)) { try parse("(12.5\r\n") }
        #expect(throws: RESPError.invalidBigNumber(text: "", offset: 1)) { try parse("(\r\n") }
        #expect(throws: RESPError.invalidBigNumber(text: "-", offset: 1)) { try parse("(-\r\n") }
    }

    @Test func nullsMustBeEmpty() {
        #expect(throws: RESPError.invalidNull(text: "x", offset: 1)) { try parse("_x\r\n") }
    }

    @Test func verbatimStringsNeedAFormatPrefix() {
        #expect(throws: RESPError.invalidVerbatimString(offset: 4)) { try parse("=3\r\ntxt\r\n") }
        #expect(throws: RESPError.invalidVerbatimString(offset: 4)) { try parse("=5\r\ntxt-a\r\n") }
    }

    @Test func offendingTextIsTruncatedAndMadePrintable() {
        let long = String(repeating: "9", count: 40)
        #expect(throws: RESPError.invalidLength(text: String(repeating: "9", count: 32) + "...", offset: 1)) {
            try parse("$\(long)\r\n")
        }
        #expect(throws: RESPError.invalidInteger(text: "?1", offset: 1)) { try parse([UInt8(ascii: ":"), 0xFF, 0x31, 0x0D, 0x0A]) }
    }

    @Test func errorDescriptionsNameTheProblemAndTheOffset() {
        let error = RESPError.bulkTooLong(length: 600, limit: 512, offset: 17)
        #expect(error.description.contains("byte 17"))
        #expect(error.description.contains("bulk length 600 exceeds the limit of 512"))
        #expect(RESPError.unknownType(byte: 0, offset: 3).description.contains("0x0"))
        #expect(RESPError.unknownType(byte: UInt8(ascii: "@"), offset: 3).description.contains("'@'"))
    }
}
