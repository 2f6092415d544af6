import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// An S3 client on AsyncHTTPClient: SigV4-signed requests, retries with backoff, errors that
/// name what to fix.
///
/// One client holds one connection pool; create it once per endpoint and credentials, share it
/// between tasks, and call `shutdown()` before dropping it.
public final class S3Client: Sendable {
    /// Timeouts, retries and the wording of credential and region errors.
    public struct Configuration: Sendable {
        public var retry: S3RetryPolicy
        public var connectTimeout: Duration
        /// The whole of a request whose body is small (listing, HEAD, a part upload's answer).
        public var requestTimeout: Duration
        /// The longest silence while streaming a body in or out; large transfers have no overall limit.
        public var idleTimeout: Duration
        public var maxConnections: Int
        /// Named in errors about the access key or the secret: the caller's setting for them.
        public var credentialHint: String
        /// Named in errors about the region.
        public var regionHint: String
        /// Where signing times come from; a test shifts it to see how a skewed clock is reported.
        public var clock: @Sendable () -> Date

        public init(
            retry: S3RetryPolicy = S3RetryPolicy(), connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(120),
            idleTimeout: Duration = .seconds(60), maxConnections: Int = 16,
            credentialHint: String = "--s3_keypair FILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
            regionHint: String = "--s3_region_name", clock: @escaping @Sendable () -> Date = { Date() }
        ) {
            self.retry = retry
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.idleTimeout = idleTimeout
            self.maxConnections = maxConnections
            self.credentialHint = credentialHint
            self.regionHint = regionHint
            self.clock = clock
        }
    }

    public let endpoint: S3Endpoint
    public let configuration: Configuration
    let signer: SigV4Signer
    let http: HTTPClient
    let logger: Logger

    /// - Parameters:
    ///   - endpoint: The server and region.
    ///   - credentials: Used to sign; only the access key id ever appears in errors or logs.
    ///   - logger: Gets one debug line per request (method, path, status), never headers.
    /// - Throws: `S3Error.unreachable` when the endpoint's CA file cannot be loaded.
    public init(endpoint: S3Endpoint, credentials: S3Credentials, configuration: Configuration = Configuration(), logger: Logger) throws {
        self.endpoint = endpoint
        self.configuration = configuration
        self.signer = SigV4Signer(credentials: credentials, region: endpoint.region)
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        if endpoint.insecure { tls.certificateVerification = .none }
        if let caFile = endpoint.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw S3Error.unreachable(endpoint: endpoint.description, reason: "the CA file '\(caFile)' is not readable")
            }
            tls.additionalTrustRoots = [.file(caFile)]
        }
        var http = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow,
            timeout: .init(connect: configuration.connectTimeout.timeAmount, read: configuration.idleTimeout.timeAmount),
            proxy: endpoint.proxy.map { .server(host: $0.host, port: $0.port) })
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.maxConnections
        // AsyncHTTPClient would retry a refused connection until the connect timeout; the retry
        // policy does that here, so a server that is down is reported in milliseconds, not minutes.
        http.connectionPool.retryConnectionEstablishment = false
        http.httpVersion = .http1Only
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http, backgroundActivityLogger: logger)
    }

    /// Closes the connections. Call once, after the last request.
    public func shutdown() async throws {
        try await http.shutdown()
    }
}

/// A request before signing; `send` signs it again for every attempt.
struct S3Request: Sendable {
    enum Body: Sendable {
        case none
        /// In memory: signed with its SHA-256 and replayable, so retried.
        case bytes(ByteBuffer)
        /// Read once as it is sent: unsigned payload, never retried here.
        case stream(HTTPClientRequest.Body, length: Int64)
    }

    var method: HTTPMethod
    var operation: String
    var bucket: String?
    var key: String?
    var uploadID: String?
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: Body = .none
    /// The response body is streamed to the caller: no overall deadline, only the idle timeout.
    var streamsResponse = false
}

extension S3Client {
    func errorContext(_ request: S3Request) -> S3ErrorContext {
        S3ErrorContext(
            operation: request.operation, bucket: request.bucket, key: request.key, uploadID: request.uploadID, endpoint: endpoint.description,
            region: endpoint.region, accessKeyID: signer.credentials.accessKeyID, credentialHint: configuration.credentialHint,
            regionHint: configuration.regionHint)
    }

    /// Sends a request, retrying what is worth retrying, and returns a successful (2xx) response
    /// whose body has not been read yet.
    /// - Throws: `S3Error` for every failure; `CancellationError` when the task was cancelled.
    func send(_ request: S3Request) async throws -> HTTPClientResponse {
        let payload: SigV4Payload
        let replayable: Bool
        switch request.body {
        case .none:
            payload = .empty
            replayable = true
        case .bytes(let buffer):
            payload = .sha256Hex(SHA256Hex.of(buffer))
            replayable = true
        case .stream:
            payload = .unsigned
            replayable = false
        }
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await attemptOnce(request, payload: payload)
            } catch let error as S3Error where replayable && configuration.retry.shouldRetry(error, afterAttempt: attempt) {
                let delay = configuration.retry.delay(afterAttempt: attempt, random: Double.random(in: 0..<1))
                logger.debug(
                    "S3 request will be retried",
                    metadata: ["s3.operation": "\(request.operation)", "s3.attempt": "\(attempt)", "s3.error": "\(error)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    private func attemptOnce(_ request: S3Request, payload: SigV4Payload) async throws -> HTTPClientResponse {
        try Task.checkCancellation()
        let location = endpoint.location(bucket: request.bucket, key: request.key)
        var headers: [(name: String, value: String)] = [("host", location.authority)]
        headers += request.headers
        if case .none = request.body {
        } else if !request.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            // moto (Werkzeug) drops bodies sent as a form; never let a default content type apply.
            headers.append(("content-type", "application/octet-stream"))
        }
        let signed = signer.sign(
            SigV4Request(method: request.method.rawValue, path: location.path, query: request.query, headers: headers), payload: payload,
            date: configuration.clock())
        var httpRequest = HTTPClientRequest(url: location.url(query: request.query))
        httpRequest.method = request.method
        for header in signed { httpRequest.headers.add(name: header.name, value: header.value) }
        switch request.body {
        case .none: break
        case .bytes(let buffer): httpRequest.body = .bytes(buffer)
        case .stream(let body, _): httpRequest.body = body
        }

        let deadline: NIODeadline
        if request.streamsResponse || { if case .stream = request.body { return true } else { return false } }() {
            deadline = .distantFuture
        } else {
            deadline = .now() + configuration.requestTimeout.timeAmount
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(httpRequest, deadline: deadline, logger: logger)
        } catch {
            throw transportError(error, operation: request.operation)
        }
        let status = Int(response.status.code)
        logger.debug(
            "S3 request",
            metadata: ["s3.operation": "\(request.operation)", "s3.method": "\(request.method.rawValue)", "s3.path": "\(location.path)", "s3.status": "\(status)"])
        if (200..<300).contains(status) { return response }
        var body: [UInt8] = []
        if request.method != .HEAD {
            if let buffer = try? await response.body.collect(upTo: 1 << 20) { body = Array(buffer.readableBytesView) }
        }
        throw S3Error.from(
            status: status, bucketRegion: response.headers.first(name: "x-amz-bucket-region"), body: body, context: errorContext(request))
    }

    /// Maps what AsyncHTTPClient and NIO throw to `S3Error`, keeping cancellation as it is.
    func transportError(_ error: any Error, operation: String) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled: return CancellationError()
            case .deadlineExceeded, .readTimeout, .writeTimeout: return S3Error.timedOut(operation: operation, endpoint: endpoint.description)
            case .connectTimeout: return S3Error.unreachable(endpoint: endpoint.description, reason: "connect timed out")
            case .remoteConnectionClosed: return S3Error.unreachable(endpoint: endpoint.description, reason: "the server closed the connection")
            default: break
            }
        }
        if let error = error as? IOError {
            return S3Error.unreachable(endpoint: endpoint.description, reason: String(cString: strerror(error.errnoCode)).lowercased())
        }
        if error is HTTPParserError {
            return S3Error.notS3(endpoint: endpoint.description, status: nil, firstBytes: "")
        }
        return S3Error.unreachable(endpoint: endpoint.description, reason: "\(error)")
    }

    /// Sends a request whose answer is all in its headers, and drains the (empty) body so that the
    /// connection goes back to the pool.
    func sendForHeaders(_ request: S3Request) async throws -> HTTPHeaders {
        let response = try await send(request)
        do {
            for try await _ in response.body {}
        } catch {
            throw transportError(error, operation: request.operation)
        }
        return response.headers
    }

    /// Reads a whole XML response and parses it, or reports the server as not S3.
    /// - Parameter expecting: The root element of the answer, e.g. `ListBucketResult`.
    func xmlBody(_ response: HTTPClientResponse, request: S3Request, expecting: String) async throws -> S3XMLElement {
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: 256 << 20)
        } catch {
            throw transportError(error, operation: request.operation)
        }
        let bytes = Array(buffer.readableBytesView)
        guard let root = S3XMLElement.parse(bytes) else {
            throw S3Error.notS3(endpoint: endpoint.description, status: Int(response.status.code), firstBytes: S3Error.firstBytes(bytes))
        }
        if root.name == "Error", let document = S3Responses.error(root) {
            // CompleteMultipartUpload and CopyObject may fail after a 200 status, in the body.
            throw S3Error.from(status: 200, bucketRegion: nil, body: bytes, context: errorContext(request)).orService(document, request, self)
        }
        guard root.isDocument(expecting) else {
            throw S3Error.notS3(endpoint: endpoint.description, status: Int(response.status.code), firstBytes: S3Error.firstBytes(bytes))
        }
        return root
    }

    func unexpected(_ request: S3Request, _ root: S3XMLElement) -> S3Error {
        .invalidResponse(operation: request.operation, endpoint: endpoint.description, reason: "a <\(root.name)> document without the expected fields")
    }
}

extension S3Error {
    /// An error document inside a 200 response is the server failing late: retryable like a 500.
    fileprivate func orService(_ document: S3ErrorDocument, _ request: S3Request, _ client: S3Client) -> S3Error {
        guard case .service = self else { return self }
        return .service(
            operation: request.operation, resource: client.errorContext(request).resource, status: 500, document: document,
            endpoint: client.endpoint.description)
    }
}

enum SHA256Hex {
    static func of(_ buffer: ByteBuffer) -> String {
        var hasher = SHA256()
        buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize().hexString
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
