import Foundation
import IngestS3
import Testing

/// The worked examples of AWS's S3 documentation, "Signature Calculations for the Authorization
/// Header: Transferring Payload in a Single Chunk" and "Authenticating Requests: Using Query
/// Parameters" (examplebucket, 2013-05-24).
@Suite struct SigV4SignerS3ExampleTests {
    static let signer = SigV4Signer(
        credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    static let host = ("host", "examplebucket.s3.amazonaws.com")

    static func authorization(_ headers: [(name: String, value: String)]) -> String {
        headers.first { $0.name == "authorization" }?.value ?? ""
    }

    @Test func getObjectWithRangeMatchesThePublishedSignature() {
        let request = SigV4Request(method: "GET", path: "/test.txt", headers: [Self.host, ("Range", "bytes=0-9")])
        let headers = Self.signer.sign(request, payload: .empty, date: Self.date)
        #expect(
            Self.authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func getObjectCanonicalRequestAndStringToSignMatchTheDocument() {
        var request = SigV4Request(method: "GET", path: "/test.txt", headers: [Self.host, ("Range", "bytes=0-9")])
        request.headers += [
            ("x-amz-content-sha256", SigV4Signer.emptySHA256), ("x-amz-date", "20130524T000000Z"),
        ]
        let canonical = Self.signer.canonicalRequest(request, payload: .empty)
        #expect(
            canonical.text
                == "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                + "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\n"
                + "host;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Self.signer.stringToSign(canonicalRequest: canonical.text, timestamp: SigV4Timestamp(Self.date))
                == "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
                + "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
    }

    @Test func putObjectEncodesTheDollarInTheKeyAndSignsThePayload() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let payload = SigV4Payload.of(body)
        #expect(payload == .sha256Hex("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"))
        let request = SigV4Request(
            method: "PUT", path: "/test$file.text",
            headers: [Self.host, ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")])
        let headers = Self.signer.sign(request, payload: payload, date: Self.date)
        #expect(
            Self.authorization(headers)
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
                + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func getBucketLifecycleSignsAQueryParameterWithoutValue() {
        let request = SigV4Request(method: "GET", path: "/", query: [("lifecycle", "")], headers: [Self.host])
        let headers = Self.signer.sign(request, payload: .empty, date: Self.date)
        #expect(Self.authorization(headers).hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"))
    }

    @Test func listObjectsSortsTheQuery() {
        let request = SigV4Request(method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")], headers: [Self.host])
        let headers = Self.signer.sign(request, payload: .empty, date: Self.date)
        #expect(Self.authorization(headers).hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
    }

    @Test func presignedGetMatchesThePublishedURL() {
        let request = SigV4Request(method: "GET", path: "/test.txt", headers: [Self.host])
        let query = Self.signer.presignedQuery(request, expires: 86400, date: Self.date)
        let location = S3Location(scheme: "https", authority: "examplebucket.s3.amazonaws.com", path: "/test.txt")
        #expect(query.last?.value == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(
            location.url(query: query)
                == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
                + "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }
}
