import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// A bucket and a key.
public struct S3ObjectID: Sendable, Hashable, CustomStringConvertible {
    public var bucket: String
    public var key: String

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    public var description: String { "s3://\(bucket)/\(key)" }
}

/// A byte range of an object, as the `Range` header reads it.
public enum S3ByteRange: Sendable, Equatable {
    /// Bytes `lower` through `upper`, both included.
    case bounded(ClosedRange<Int64>)
    /// From an offset to the end.
    case from(Int64)
    /// The last `n` bytes.
    case suffix(Int64)

    var headerValue: String {
        switch self {
        case .bounded(let range): return "bytes=\(range.lowerBound)-\(range.upperBound)"
        case .from(let offset): return "bytes=\(offset)-"
        case .suffix(let count): return "bytes=-\(count)"
        }
    }
}

/// An object being downloaded: its head, and its body as it arrives.
public struct S3ObjectDownload: Sendable {
    public var info: S3ObjectInfo
    /// Chunks in order; iterate once. Memory stays bounded: the connection reads only as fast as
    /// the chunks are consumed.
    public var body: S3ObjectBody
}

/// The body of a GET as an async sequence of chunks.
public struct S3ObjectBody: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    let response: HTTPClientResponse.Body
    let endpoint: String
    let mapError: @Sendable (any Error) -> any Error

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator
        let mapError: @Sendable (any Error) -> any Error

        public mutating func next() async throws -> ByteBuffer? {
            do {
                return try await base.next()
            } catch {
                throw mapError(error)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: response.makeAsyncIterator(), mapError: mapError)
    }

    /// The whole body in memory, refusing more than `limit` bytes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in self {
            guard bytes.count + chunk.readableBytes <= limit else {
                throw S3Error.invalidResponse(operation: "GetObject", endpoint: endpoint, reason: "the body is larger than \(limit) bytes")
            }
            bytes += chunk.readableBytesView
        }
        return bytes
    }
}

/// Checksums in the form S3's headers carry them.
public enum S3Checksum {
    /// Base64 of the SHA-256 of `bytes`, for `x-amz-checksum-sha256`.
    public static func sha256Base64<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        Data(SHA256.hash(data: Array(bytes))).base64EncodedString()
    }
}

extension S3Client {
    /// An object's size, date, ETag, content type, metadata and stored SHA-256, or nil when there is no such key.
    public func headObject(bucket: String, key: String) async throws -> S3ObjectInfo? {
        do {
            var request = S3Request(method: .HEAD, operation: "HeadObject", bucket: bucket, key: key)
            // Without it AWS leaves out the stored checksum.
            request.headers = [("x-amz-checksum-mode", "ENABLED")]
            return Self.objectInfo(try await sendForHeaders(request))
        } catch S3Error.noSuchKey {
            return nil
        }
    }

    /// Starts downloading an object (or a range of it); read `body` to receive it.
    /// - Throws: `S3Error.noSuchKey`, `.noSuchBucket`, ... before any byte of the body.
    public func getObject(bucket: String, key: String, range: S3ByteRange? = nil) async throws -> S3ObjectDownload {
        var request = S3Request(method: .GET, operation: "GetObject", bucket: bucket, key: key, streamsResponse: true)
        if let range { request.headers = [("range", range.headerValue)] }
        let response = try await send(request)
        let operation = request.operation
        return S3ObjectDownload(
            info: Self.objectInfo(response.headers),
            body: S3ObjectBody(
                response: response.body, endpoint: endpoint.description, mapError: { [self] in transportError($0, operation: operation) }))
    }

    /// Uploads an object held in memory, signed with its SHA-256 (the server checks the body against it).
    /// - Parameters:
    ///   - contentType: `application/octet-stream` when nil.
    ///   - metadata: Sent as `x-amz-meta-NAME` headers; ASCII values.
    ///   - checksumSHA256: Base64 SHA-256 (`S3Checksum.sha256Base64`) for the server to check and store.
    /// - Returns: The ETag, without quotes.
    @discardableResult
    public func putObject(
        bucket: String, key: String, body: ByteBuffer, contentType: String? = nil, metadata: [String: String] = [:],
        checksumSHA256: String? = nil
    ) async throws -> String {
        var request = S3Request(method: .PUT, operation: "PutObject", bucket: bucket, key: key, body: .bytes(body))
        request.headers = Self.objectHeaders(contentType: contentType, metadata: metadata, checksumSHA256: checksumSHA256)
        return (try await sendForHeaders(request).first(name: "etag") ?? "").unquotedETag
    }

    /// Uploads bytes held in memory; see `putObject(bucket:key:body:...)` with a `ByteBuffer`.
    @discardableResult
    public func putObject(
        bucket: String, key: String, bytes: [UInt8], contentType: String? = nil, metadata: [String: String] = [:],
        checksumSHA256: String? = nil
    ) async throws -> String {
        try await putObject(
            bucket: bucket, key: key, body: ByteBuffer(bytes: bytes), contentType: contentType, metadata: metadata,
            checksumSHA256: checksumSHA256)
    }

    /// Uploads a stream of known length without holding it: the payload is unsigned
    /// (`UNSIGNED-PAYLOAD`) and sent with a `Content-Length`, which strict servers require.
    ///
    /// The stream is read once, so a failed upload is not retried here: the caller starts again.
    /// - Parameters:
    ///   - length: Exactly the number of bytes `body` yields.
    /// - Returns: The ETag, without quotes.
    @discardableResult
    public func putObject<Body: AsyncSequence & Sendable>(
        bucket: String, key: String, length: Int64, streaming body: Body, contentType: String? = nil, metadata: [String: String] = [:],
        checksumSHA256: String? = nil
    ) async throws -> String where Body.Element == ByteBuffer {
        var request = S3Request(
            method: .PUT, operation: "PutObject", bucket: bucket, key: key, body: .stream(.stream(body, length: .known(length)), length: length))
        request.headers = Self.objectHeaders(contentType: contentType, metadata: metadata, checksumSHA256: checksumSHA256)
        return (try await sendForHeaders(request).first(name: "etag") ?? "").unquotedETag
    }

    /// Deletes an object; deleting a missing key succeeds, as on S3.
    public func deleteObject(bucket: String, key: String) async throws {
        _ = try await sendForHeaders(S3Request(method: .DELETE, operation: "DeleteObject", bucket: bucket, key: key))
    }

    /// Copies an object on the server, metadata included.
    /// - Returns: The new object's ETag, without quotes.
    @discardableResult
    public func copyObject(from source: S3ObjectID, to destination: S3ObjectID) async throws -> String {
        var request = S3Request(method: .PUT, operation: "CopyObject", bucket: destination.bucket, key: destination.key)
        request.headers = [("x-amz-copy-source", S3URIEncoding.encode("\(source.bucket)/\(source.key)", keepSlash: true))]
        let root = try await xmlBody(try await send(request), request: request, expecting: "CopyObjectResult")
        guard let etag = S3Responses.copyETag(root) else { throw unexpected(request, root) }
        return etag
    }

    /// Deletes many keys, 1,000 per request (S3's limit), in quiet mode.
    /// - Returns: The keys the server could not delete, with its reason; empty when all went.
    public func deleteObjects(bucket: String, keys: [String]) async throws -> [S3DeleteFailure] {
        var failures: [S3DeleteFailure] = []
        var start = 0
        while start < keys.count {
            let batch = keys[start..<min(start + 1000, keys.count)]
            start += batch.count
            var xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
            for key in batch { xml += "<Object><Key>\(S3XMLText.escape(key))</Key></Object>" }
            xml += "</Delete>"
            let body = Array(xml.utf8)
            var request = S3Request(method: .POST, operation: "DeleteObjects", bucket: bucket, query: [("delete", "")])
            request.body = .bytes(ByteBuffer(bytes: body))
            // S3 requires an integrity header on this call.
            request.headers = [
                ("content-type", "application/xml"), ("content-md5", Data(Insecure.MD5.hash(data: body)).base64EncodedString()),
            ]
            let root = try await xmlBody(try await send(request), request: request, expecting: "DeleteResult")
            guard let batchFailures = S3Responses.deleteFailures(root) else { throw unexpected(request, root) }
            failures += batchFailures
        }
        return failures
    }

    /// A URL that lets anyone holding it perform one request without credentials until it expires.
    /// - Parameters:
    ///   - method: What the URL allows (GET to download, PUT to upload).
    ///   - expires: Validity in seconds, 1 to 604800.
    ///   - date: The signing time; now by default.
    public func presignedURL(method: HTTPMethod = .GET, bucket: String, key: String, expires: Int, date: Date = Date()) -> String {
        let location = endpoint.location(bucket: bucket, key: key)
        let query = signer.presignedQuery(
            SigV4Request(method: method.rawValue, path: location.path, headers: [("host", location.authority)]), expires: expires, date: date)
        return location.url(query: query)
    }

    static func objectHeaders(contentType: String?, metadata: [String: String], checksumSHA256: String?) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("content-type", contentType ?? "application/octet-stream")]
        for (name, value) in metadata.sorted(by: { $0.key < $1.key }) { headers.append(("x-amz-meta-\(name.lowercased())", value)) }
        if let checksumSHA256 {
            // The SDKs name the algorithm too; moto keeps the checksum only then.
            headers.append(("x-amz-sdk-checksum-algorithm", "SHA256"))
            headers.append(("x-amz-checksum-sha256", checksumSHA256))
        }
        return headers
    }

    static func objectInfo(_ headers: HTTPHeaders) -> S3ObjectInfo {
        var metadata: [String: String] = [:]
        for header in headers where header.name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(header.name.lowercased().dropFirst("x-amz-meta-".count))] = header.value
        }
        return S3ObjectInfo(
            size: headers.first(name: "content-length").flatMap { Int64($0) } ?? 0,
            lastModified: headers.first(name: "last-modified").flatMap(S3Dates.httpDate),
            etag: (headers.first(name: "etag") ?? "").unquotedETag, contentType: headers.first(name: "content-type"), metadata: metadata,
            checksumSHA256: headers.first(name: "x-amz-checksum-sha256"), contentRange: headers.first(name: "content-range"))
    }
}
