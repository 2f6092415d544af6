import Foundation

extension S3XMLElement {
    /// Whether this is the root element `name`; moto names some of them `...Response` where S3
    /// says `...Result` (`ListPartsResponse`, `CompleteMultipartUploadResponse`).
    func isDocument(_ name: String) -> Bool {
        self.name == name || (name.hasSuffix("Result") && self.name == name.dropLast("Result".count) + "Response")
    }
}

/// Decoders from S3's XML response documents to values; each returns nil when the document is
/// not the one expected, which the client reports as a response that is not S3's.
enum S3Responses {
    /// `ListBucketResult` of `ListObjectsV2`; keys and prefixes decoded when `urlEncoded`.
    static func listPage(_ root: S3XMLElement, urlEncoded: Bool) -> S3ListPage? {
        guard root.isDocument("ListBucketResult") else { return nil }
        func decode(_ text: String) -> String { urlEncoded ? S3URIEncoding.decodeListingKey(text) : text }
        var objects: [S3ObjectSummary] = []
        for element in root.children("Contents") {
            guard let key = element.string("Key"), let size = element.string("Size").flatMap({ Int64($0) }) else { return nil }
            objects.append(
                S3ObjectSummary(
                    key: decode(key), size: size,
                    lastModified: element.string("LastModified").flatMap(S3Dates.iso8601) ?? Date(timeIntervalSince1970: 0),
                    etag: (element.string("ETag") ?? "").unquotedETag, storageClass: element.string("StorageClass")))
        }
        let prefixes = root.children("CommonPrefixes").compactMap { $0.string("Prefix") }.map(decode)
        let token = root.string("NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
        return S3ListPage(
            objects: objects, commonPrefixes: prefixes, isTruncated: root.string("IsTruncated") == "true", nextContinuationToken: token)
    }

    static func uploadID(_ root: S3XMLElement) -> String? {
        guard root.isDocument("InitiateMultipartUploadResult"), let id = root.string("UploadId"), !id.isEmpty else { return nil }
        return id
    }

    /// The ETag of `CompleteMultipartUploadResult`; empty when the server left it empty (Ceph RGW 16).
    static func completedETag(_ root: S3XMLElement) -> String? {
        guard root.isDocument("CompleteMultipartUploadResult") else { return nil }
        return (root.string("ETag") ?? "").unquotedETag
    }

    static func multipartUploads(_ root: S3XMLElement) -> (uploads: [S3MultipartUpload], nextKeyMarker: String?, nextUploadIDMarker: String?)? {
        guard root.isDocument("ListMultipartUploadsResult") else { return nil }
        let uploads = root.children("Upload").compactMap { element -> S3MultipartUpload? in
            guard let key = element.string("Key"), let id = element.string("UploadId") else { return nil }
            return S3MultipartUpload(key: key, uploadID: id, initiated: element.string("Initiated").flatMap(S3Dates.iso8601))
        }
        guard root.string("IsTruncated") == "true" else { return (uploads, nil, nil) }
        return (uploads, root.string("NextKeyMarker"), root.string("NextUploadIdMarker"))
    }

    static func parts(_ root: S3XMLElement) -> (parts: [S3UploadedPart], nextMarker: Int?)? {
        guard root.isDocument("ListPartsResult") else { return nil }
        let parts = root.children("Part").compactMap { element -> S3UploadedPart? in
            guard let number = element.string("PartNumber").flatMap({ Int($0) }) else { return nil }
            return S3UploadedPart(
                partNumber: number, etag: (element.string("ETag") ?? "").unquotedETag, size: element.string("Size").flatMap { Int64($0) } ?? 0)
        }
        let truncated = root.string("IsTruncated") == "true"
        return (parts, truncated ? root.string("NextPartNumberMarker").flatMap { Int($0) } : nil)
    }

    static func deleteFailures(_ root: S3XMLElement) -> [S3DeleteFailure]? {
        guard root.isDocument("DeleteResult") else { return nil }
        return root.children("Error").map {
            S3DeleteFailure(key: $0.string("Key") ?? "", code: $0.string("Code") ?? "", message: $0.string("Message") ?? "")
        }
    }

    static func copyETag(_ root: S3XMLElement) -> String? {
        guard root.isDocument("CopyObjectResult") else { return nil }
        return (root.string("ETag") ?? "").unquotedETag
    }

    /// The fields of an `<Error>` document.
    static func error(_ root: S3XMLElement) -> S3ErrorDocument? {
        guard root.isDocument("Error"), let code = root.string("Code") else { return nil }
        return S3ErrorDocument(
            code: code, message: root.string("Message") ?? "", requestID: root.string("RequestId"),
            region: root.string("Region"), bucket: root.string("BucketName"))
    }
}

/// The body of an S3 error response.
public struct S3ErrorDocument: Sendable, Equatable {
    public var code: String
    public var message: String
    public var requestID: String?
    /// The bucket's real region, in `AuthorizationHeaderMalformed` and `PermanentRedirect`.
    public var region: String?
    public var bucket: String?
}
