import Testing

@testable import IngestS3

@Suite struct S3ErrorMappingTests {
    static let context = S3ErrorContext(
        operation: "ListObjectsV2", bucket: "photos", key: nil, uploadID: nil, endpoint: "http://127.0.0.1:9000", region: "us-east-1",
        accessKeyID: "AKIDEXAMPLE", credentialHint: "--s3_keypair FILE", regionHint: "--s3_region_name")

    static func error(_ xml: String, status: Int = 400, context: S3ErrorContext = context, bucketRegion: String? = nil) -> S3Error {
        S3Error.from(status: status, bucketRegion: bucketRegion, body: Array(xml.utf8), context: context)
    }

    @Test func noSuchBucketNamesTheBucketEndpointAndFix() {
        let error = Self.error("<Error><Code>NoSuchBucket</Code><Message>x</Message><BucketName>photos</BucketName></Error>", status: 404)
        #expect(error == .noSuchBucket(bucket: "photos", endpoint: "http://127.0.0.1:9000"))
        #expect(error.description == "bucket 'photos' does not exist at http://127.0.0.1:9000; create it or fix the bucket name")
    }

    @Test func aHeadBucket404WithoutBodyIsNoSuchBucket() {
        #expect(Self.error("", status: 404) == .noSuchBucket(bucket: "photos", endpoint: "http://127.0.0.1:9000"))
    }

    @Test func aWrongSecretNamesTheCredentialSetting() {
        let error = Self.error("<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error>", status: 403)
        #expect(error.description.contains("secret access key is wrong"))
        #expect(error.description.contains("--s3_keypair FILE"))
        #expect(error.description.contains("AKIDEXAMPLE"))
    }

    @Test func anUnknownAccessKeyIsNamed() {
        let error = Self.error("<Error><Code>InvalidAccessKeyId</Code></Error>", status: 403)
        #expect(error.description.contains("does not know the access key id 'AKIDEXAMPLE'"))
    }

    @Test func aWrongRegionNamesTheRightOneAndTheOption() {
        let error = Self.error(
            "<Error><Code>AuthorizationHeaderMalformed</Code><Message>m</Message><Region>eu-west-1</Region></Error>", status: 400)
        #expect(error.description.contains("'eu-west-1'"))
        #expect(error.description.contains("--s3_region_name eu-west-1"))
    }

    @Test func aRedirectWithABucketRegionHeaderIsAWrongRegion() {
        #expect(
            Self.error("", status: 301, bucketRegion: "ap-south-1")
                == .wrongRegion(configured: "us-east-1", actual: "ap-south-1", regionHint: "--s3_region_name", endpoint: "http://127.0.0.1:9000"))
    }

    @Test func clockSkewSaysToFixTheClock() {
        let error = Self.error("<Error><Code>RequestTimeTooSkewed</Code></Error>", status: 403)
        #expect(error.description.contains("fix the clock"))
    }

    @Test func anHTMLPageIsNotS3() {
        let error = Self.error("<html><head><title>Welcome to nginx!</title></head></html>", status: 404)
        guard case .notS3(_, let status, let firstBytes) = error else {
            Issue.record("got \(error)")
            return
        }
        #expect(status == 404)
        #expect(firstBytes.contains("Welcome to nginx"))
        #expect(error.description.hasPrefix("http://127.0.0.1:9000 does not answer like an S3 server (HTTP 404"))
    }

    @Test func rgwsNoSuchKeyForAnUploadIsNoSuchUpload() {
        var context = Self.context
        context.key = "big"
        context.uploadID = "2~x"
        #expect(
            Self.error("<Error><Code>NoSuchKey</Code></Error>", status: 404, context: context)
                == .noSuchUpload(bucket: "photos", key: "big", uploadID: "2~x", endpoint: "http://127.0.0.1:9000"))
    }

    @Test func slowDownAndServerErrorsAreRetryableClientErrorsAreNot() {
        #expect(Self.error("<Error><Code>SlowDown</Code></Error>", status: 503).isRetryable)
        #expect(Self.error("<Error><Code>InternalError</Code></Error>", status: 500).isRetryable)
        #expect(Self.error("<Error><Code>RequestTimeout</Code></Error>", status: 400).isRetryable)
        #expect(!Self.error("<Error><Code>InvalidArgument</Code></Error>", status: 400).isRetryable)
        #expect(!Self.error("<Error><Code>AccessDenied</Code></Error>", status: 403).isRetryable)
        #expect(S3Error.unreachable(endpoint: "e", reason: "refused").isRetryable)
    }

    @Test func otherErrorsKeepCodeMessageAndRequestID() {
        let error = Self.error("<Error><Code>EntityTooSmall</Code><Message>too small</Message><RequestId>r1</RequestId></Error>")
        #expect(
            error.description
                == "ListObjectsV2 of bucket 'photos' failed at http://127.0.0.1:9000 with HTTP 400 EntityTooSmall: too small (request id r1)")
    }
}
