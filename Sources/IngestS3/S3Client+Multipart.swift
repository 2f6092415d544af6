import NIOCore

extension S3Client {
    /// Starts a multipart upload; nothing appears under `key` until it is completed.
    /// - Returns: The upload id that every later call names.
    public func createMultipartUpload(
        bucket: String, key: String, contentType: String? = nil, metadata: [String: String] = [:]
    ) async throws -> String {
        var request = S3Request(method: .POST, operation: "CreateMultipartUpload", bucket: bucket, key: key, query: [("uploads", "")])
        request.headers = Self.objectHeaders(contentType: contentType, metadata: metadata, checksumSHA256: nil)
        let root = try await xmlBody(try await send(request), request: request, expecting: "InitiateMultipartUploadResult")
        guard let id = S3Responses.uploadID(root) else { throw unexpected(request, root) }
        return id
    }

    /// Uploads one part (1 to 10,000; every part but the last at least 5 MiB), signed with its SHA-256.
    /// - Returns: The part's ETag, without quotes, for `completeMultipartUpload`.
    public func uploadPart(bucket: String, key: String, uploadID: String, partNumber: Int, body: ByteBuffer) async throws -> String {
        let request = S3Request(
            method: .PUT, operation: "UploadPart", bucket: bucket, key: key, uploadID: uploadID,
            query: [("partNumber", String(partNumber)), ("uploadId", uploadID)], body: .bytes(body))
        let headers = try await sendForHeaders(request)
        guard let etag = headers.first(name: "etag")?.unquotedETag, !etag.isEmpty else {
            throw S3Error.invalidResponse(operation: request.operation, endpoint: endpoint.description, reason: "no ETag for part \(partNumber)")
        }
        return etag
    }

    /// Assembles the parts into the object.
    /// - Returns: The object's ETag without quotes; empty when the server leaves it out (Ceph RGW 16
    ///   does), in which case `headObject` has it.
    @discardableResult
    public func completeMultipartUpload(bucket: String, key: String, uploadID: String, parts: [S3CompletedPart]) async throws -> String {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            xml += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\"\(S3XMLText.escape(part.etag))\"</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        var request = S3Request(
            method: .POST, operation: "CompleteMultipartUpload", bucket: bucket, key: key, uploadID: uploadID, query: [("uploadId", uploadID)])
        request.body = .bytes(ByteBuffer(string: xml))
        request.headers = [("content-type", "application/xml")]
        let root = try await xmlBody(try await send(request), request: request, expecting: "CompleteMultipartUploadResult")
        guard let etag = S3Responses.completedETag(root) else { throw unexpected(request, root) }
        return etag
    }

    /// Abandons an upload and frees its parts.
    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) async throws {
        _ = try await sendForHeaders(
            S3Request(
                method: .DELETE, operation: "AbortMultipartUpload", bucket: bucket, key: key, uploadID: uploadID,
                query: [("uploadId", uploadID)]))
    }

    /// Every upload in progress under a prefix, following the listing's pages.
    public func listMultipartUploads(bucket: String, prefix: String? = nil) async throws -> [S3MultipartUpload] {
        var uploads: [S3MultipartUpload] = []
        var markers: (key: String, uploadID: String)?
        repeat {
            var query: [(name: String, value: String)] = [("uploads", "")]
            if let prefix, !prefix.isEmpty { query.append(("prefix", prefix)) }
            if let markers {
                query.append(("key-marker", markers.key))
                query.append(("upload-id-marker", markers.uploadID))
            }
            let request = S3Request(method: .GET, operation: "ListMultipartUploads", bucket: bucket, query: query)
            let root = try await xmlBody(try await send(request), request: request, expecting: "ListMultipartUploadsResult")
            guard let page = S3Responses.multipartUploads(root) else { throw unexpected(request, root) }
            uploads += page.uploads
            if let key = page.nextKeyMarker, let id = page.nextUploadIDMarker, markers.map({ $0 != (key, id) }) ?? true {
                markers = (key, id)
            } else {
                markers = nil
            }
        } while markers != nil
        return uploads
    }

    /// The parts uploaded so far, following the listing's pages.
    public func listParts(bucket: String, key: String, uploadID: String) async throws -> [S3UploadedPart] {
        var parts: [S3UploadedPart] = []
        var marker: Int?
        repeat {
            var query: [(name: String, value: String)] = [("uploadId", uploadID)]
            if let marker { query.append(("part-number-marker", String(marker))) }
            let request = S3Request(method: .GET, operation: "ListParts", bucket: bucket, key: key, uploadID: uploadID, query: query)
            let root = try await xmlBody(try await send(request), request: request, expecting: "ListPartsResult")
            guard let page = S3Responses.parts(root) else { throw unexpected(request, root) }
            parts += page.parts
            marker = page.nextMarker.flatMap { $0 > (marker ?? 0) ? $0 : nil }
        } while marker != nil
        return parts
    }
}
