import Foundation
import Testing

@testable import IngestS3

/// Response documents as moto and Ceph RGW sent them (trimmed), and as AWS documents them.
@Suite struct S3XMLResponseTests {
    static func parse(_ text: String) throws -> S3XMLElement {
        try #require(S3XMLElement.parse(Array(text.utf8)))
    }

    @Test func aListingPageDecodesURLEncodedKeysAndQuotesOffETags() throws {
        let root = try Self.parse(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>dir%2F</Prefix>\
            <KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated>\
            <EncodingType>url</EncodingType><Contents><Key>dir/spaces+and%2Bplus%26amp%3D%C3%A9%3F%23%25</Key>\
            <LastModified>2026-12-02T10:11:12.345Z</LastModified><ETag>&quot;9e107d9d372bb6826bd81d3542a419d6&quot;</ETag>\
            <Size>43</Size><StorageClass>STANDARD</StorageClass></Contents>\
            <CommonPrefixes><Prefix>dir/sub+dir%2F</Prefix></CommonPrefixes>\
            <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken></ListBucketResult>
            """)
        let page = try #require(S3Responses.listPage(root, urlEncoded: true))
        #expect(page.objects.map(\.key) == ["dir/spaces and+plus&amp=é?#%"])
        #expect(page.objects.first?.etag == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(page.objects.first?.size == 43)
        #expect(page.objects.first?.lastModified == Date(timeIntervalSince1970: 1_796_206_272.345))
        #expect(page.commonPrefixes == ["dir/sub dir/"])
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
    }

    @Test func theLastListingPageHasNoToken() throws {
        let root = try Self.parse(
            "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>")
        let page = try #require(S3Responses.listPage(root, urlEncoded: false))
        #expect(page.objects.isEmpty)
        #expect(!page.isTruncated)
        #expect(page.nextContinuationToken == nil)
    }

    @Test func rgwsEmptyCompleteETagIsEmptyNotAFailure() throws {
        let root = try Self.parse(
            """
            <?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
            <Location>127.0.0.1:8000/b/big</Location><Bucket>b</Bucket><Key>big</Key><ETag></ETag></CompleteMultipartUploadResult>
            """)
        #expect(S3Responses.completedETag(root) == "")
    }

    @Test func motosResponseRootNamesAreAcceptedForResults() throws {
        let complete = try Self.parse(
            """
            <CompleteMultipartUploadResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>http://b.s3.amazonaws.com/big</Location>\
            <Bucket>b</Bucket><Key>big</Key><ETag>"0fbd4a0a7e1e3b1c2e0e6f1d2a3b4c5d-8"</ETag></CompleteMultipartUploadResponse>
            """)
        #expect(S3Responses.completedETag(complete) == "0fbd4a0a7e1e3b1c2e0e6f1d2a3b4c5d-8")
        let parts = try Self.parse("<ListPartsResponse><IsTruncated>false</IsTruncated></ListPartsResponse>")
        #expect(S3Responses.parts(parts)?.parts == [])
        #expect(S3Responses.parts(try Self.parse("<ListPartsOther/>")) == nil)
    }

    @Test func multipartUploadsListKeysIdsAndDates() throws {
        let root = try Self.parse(
            """
            <ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false</IsTruncated><Upload><Key>big</Key>\
            <UploadId>2~abc</UploadId><Initiated>2026-12-02T10:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>
            """)
        let page = try #require(S3Responses.multipartUploads(root))
        #expect(page.uploads == [S3MultipartUpload(key: "big", uploadID: "2~abc", initiated: Date(timeIntervalSince1970: 1_796_205_600))])
        #expect(page.nextKeyMarker == nil)
    }

    @Test func partsListNumbersETagsAndSizes() throws {
        let root = try Self.parse(
            """
            <ListPartsResult><IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><ETag>"aa"</ETag><Size>5242880</Size></Part>\
            <Part><PartNumber>2</PartNumber><ETag>"bb"</ETag><Size>7</Size></Part></ListPartsResult>
            """)
        #expect(
            S3Responses.parts(root)?.parts == [
                S3UploadedPart(partNumber: 1, etag: "aa", size: 5_242_880), S3UploadedPart(partNumber: 2, etag: "bb", size: 7),
            ])
    }

    @Test func deleteResultReportsEachFailedKey() throws {
        let root = try Self.parse(
            "<DeleteResult><Error><Key>k</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>")
        #expect(S3Responses.deleteFailures(root) == [S3DeleteFailure(key: "k", code: "AccessDenied", message: "Access Denied")])
    }

    @Test func anErrorDocumentGivesCodeMessageRequestAndRegion() throws {
        let root = try Self.parse(
            """
            <?xml version="1.0" encoding="UTF-8"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is \
            malformed; the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region>\
            <RequestId>4442587FB7D0A2F9</RequestId></Error>
            """)
        let document = try #require(S3Responses.error(root))
        #expect(document.code == "AuthorizationHeaderMalformed")
        #expect(document.region == "eu-west-1")
        #expect(document.requestID == "4442587FB7D0A2F9")
    }

    @Test func htmlIsNotAnS3Document() {
        #expect(S3XMLElement.parse(Array("<html><body><h1>It works!</h1><br></body></html>".utf8)).flatMap(S3Responses.error) == nil)
        #expect(S3XMLElement.parse(Array("-ERR unknown command 'GET'".utf8)) == nil)
    }

    @Test func httpDatesParse() {
        #expect(S3Dates.httpDate("Wed, 12 Oct 2009 17:50:00 GMT") == Date(timeIntervalSince1970: 1_255_369_800))
    }
}
