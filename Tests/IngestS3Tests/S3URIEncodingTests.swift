import IngestS3
import Testing

@Suite struct S3URIEncodingTests {
    @Test func unreservedBytesStayAsTheyAre() {
        #expect(S3URIEncoding.encode("AZaz09-_.~", keepSlash: false) == "AZaz09-_.~")
    }

    @Test func slashIsKeptInPathsAndEncodedInQueries() {
        #expect(S3URIEncoding.encode("a/b c", keepSlash: true) == "a/b%20c")
        #expect(S3URIEncoding.encode("a/b c", keepSlash: false) == "a%2Fb%20c")
    }

    @Test func percentIsEncodedNotTrusted() {
        #expect(S3URIEncoding.encode("100%25", keepSlash: true) == "100%2525")
    }

    @Test func plusAndUnicodeAreEncodedInUpperCase() {
        #expect(S3URIEncoding.encode("a+é", keepSlash: true) == "a%2B%C3%A9")
    }

    @Test func listingKeysDecodePlusAsSpace() {
        #expect(S3URIEncoding.decodeListingKey("a+b%2Bc%25d%C3%A9") == "a b+c%dé")
    }

    @Test func aMalformedListingKeyIsKept() {
        #expect(S3URIEncoding.decodeListingKey("50%") == "50%")
    }
}
