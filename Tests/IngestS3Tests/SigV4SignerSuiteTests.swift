import Foundation
import IngestS3
import Testing

/// Cases of AWS's generic Signature Version 4 test suite (service `service`, 2015-08-30).
@Suite struct SigV4SignerSuiteTests {
    static let signer = SigV4Signer(
        credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1", service: "service")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let host = ("Host", "example.amazonaws.com")

    static func authorization(
        method: String = "GET", path: String = "/", query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
        payload: SigV4Payload = .empty
    ) -> String {
        let request = SigV4Request(method: method, path: path, query: query, headers: [host] + headers)
        return signer.sign(request, payload: payload, date: date).first { $0.name == "authorization" }?.value ?? ""
    }

    static func expected(_ signature: String, signedHeaders: String = "host;x-amz-date") -> String {
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    @Test func getVanilla() {
        #expect(Self.authorization() == Self.expected("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"))
    }

    @Test func getVanillaQueryOrderKeyCase() {
        #expect(
            Self.authorization(query: [("Param2", "value2"), ("Param1", "value1")])
                == Self.expected("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"))
    }

    @Test func getVanillaQueryUnreservedIsNotEncoded() {
        let unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        #expect(
            Self.authorization(query: [(unreserved, unreserved)])
                == Self.expected("9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"))
    }

    @Test func getUTF8PathIsPercentEncoded() {
        #expect(Self.authorization(path: "/ሴ") == Self.expected("8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"))
    }

    @Test func getHeaderValueTrimCollapsesSpaces() {
        #expect(
            Self.authorization(headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")])
                == Self.expected(
                    "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736", signedHeaders: "host;my-header1;my-header2;x-amz-date"))
    }

    @Test func postVanilla() {
        #expect(Self.authorization(method: "POST") == Self.expected("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"))
    }

    @Test func postXWWWFormURLEncodedSignsTheBodyAndContentType() {
        #expect(
            Self.authorization(
                method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")], payload: .of(Array("Param1=value1".utf8)))
                == Self.expected("ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", signedHeaders: "content-type;host;x-amz-date"))
    }

    @Test func aSessionTokenIsSentAndSigned() {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "TOKEN"), region: "us-east-1")
        let headers = signer.sign(SigV4Request(method: "GET", path: "/", headers: [Self.host]), payload: .unsigned, date: Self.date)
        #expect(headers.contains { $0.name == "x-amz-security-token" && $0.value == "TOKEN" })
        #expect(headers.first { $0.name == "authorization" }?.value.contains("x-amz-date;x-amz-security-token") == true)
    }

    @Test func aSessionTokenIsPartOfAPresignedQuery() {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "TOKEN"), region: "us-east-1")
        let query = signer.presignedQuery(SigV4Request(method: "GET", path: "/k", headers: [Self.host]), expires: 60, date: Self.date)
        #expect(query.contains { $0.name == "X-Amz-Security-Token" && $0.value == "TOKEN" })
    }

    @Test func theSigningKeyDependsOnTheDay() {
        let one = SigV4Signer.signingKey(secret: "s", date: "20150830", region: "us-east-1", service: "s3")
        let other = SigV4Signer.signingKey(secret: "s", date: "20150831", region: "us-east-1", service: "s3")
        #expect(one != other)
    }
}
