import Crypto
import Foundation
import Synchronization

/// A request as the signer sees it: nothing is encoded yet, so the signer and the URL builder
/// apply one encoding rule ([S3URIEncoding]) to the same raw values.
public struct SigV4Request: Sendable {
    public var method: String
    /// The raw path, `/` separated, starting with `/` (`/bucket/a key`); not percent-encoded.
    public var path: String
    /// Raw query parameters in any order; a parameter without a value has an empty one.
    public var query: [(name: String, value: String)]
    /// Headers to send and sign, `host` included; names in any case.
    public var headers: [(name: String, value: String)]

    public init(method: String, path: String, query: [(name: String, value: String)] = [], headers: [(name: String, value: String)]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }
}

/// What the signature says about the body.
public enum SigV4Payload: Sendable, Equatable {
    /// The body is not covered by the signature (streaming uploads, presigned URLs).
    case unsigned
    /// The hex SHA-256 of the body, computed by the caller.
    case sha256Hex(String)

    /// The payload of a request without a body.
    public static let empty = SigV4Payload.sha256Hex(SigV4Signer.emptySHA256)

    /// The payload of an in-memory body.
    public static func of<Bytes: Sequence>(_ body: Bytes) -> SigV4Payload where Bytes.Element == UInt8 {
        .sha256Hex(SHA256.hash(data: Array(body)).hexString)
    }

    /// The value of `x-amz-content-sha256` and the last line of the canonical request.
    public var headerValue: String {
        switch self {
        case .unsigned: return "UNSIGNED-PAYLOAD"
        case .sha256Hex(let hex): return hex
        }
    }
}

/// AWS Signature Version 4, as pure code: no clock, no I/O, so each step can be checked against
/// the examples AWS publishes.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    public static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public let credentials: S3Credentials
    public let region: String
    public let service: String
    /// S3 wants `x-amz-content-sha256` on every request; other services don't know it.
    public let sendsContentSHA256: Bool
    private let keys: SigningKeyCache

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.sendsContentSHA256 = service == "s3"
        self.keys = SigningKeyCache()
    }

    /// The headers to send: the request's own plus `x-amz-date`, `x-amz-content-sha256` (S3),
    /// `x-amz-security-token` (temporary credentials) and `authorization`.
    /// - Parameters:
    ///   - request: The request, with its `host` header.
    ///   - payload: The body's hash or `.unsigned`.
    ///   - date: The signing time; the server refuses it when it is more than 15 minutes off.
    /// - Returns: Every header of the signed request, in the request's order then the added ones.
    public func sign(_ request: SigV4Request, payload: SigV4Payload, date: Date) -> [(name: String, value: String)] {
        var headers = request.headers.filter { $0.name.lowercased() != "authorization" }
        let stamp = SigV4Timestamp(date)
        headers.append(("x-amz-date", stamp.dateTime))
        if sendsContentSHA256 { headers.append(("x-amz-content-sha256", payload.headerValue)) }
        if let token = credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
        var signed = request
        signed.headers = headers
        let canonical = canonicalRequest(signed, payload: payload)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical.text, timestamp: stamp), timestamp: stamp)
        headers.append(
            (
                "authorization",
                "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(stamp)), SignedHeaders=\(canonical.signedHeaders), "
                    + "Signature=\(signature)"
            ))
        return headers
    }

    /// The query of a presigned URL (query authentication): the request's own parameters plus the
    /// `X-Amz-*` ones and the signature. Only the headers given (at least `host`) are signed; the
    /// payload is always unsigned, since whoever uses the URL chooses the body.
    /// - Parameters:
    ///   - request: The request, with its `host` header.
    ///   - expires: Seconds the URL stays valid (1 to 604800 on AWS).
    ///   - date: The signing time.
    /// - Returns: Query parameters, raw (not encoded), the signature last.
    public func presignedQuery(_ request: SigV4Request, expires: Int, date: Date) -> [(name: String, value: String)] {
        let stamp = SigV4Timestamp(date)
        var query = request.query
        query.append(("X-Amz-Algorithm", Self.algorithm))
        query.append(("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(stamp))"))
        query.append(("X-Amz-Date", stamp.dateTime))
        query.append(("X-Amz-Expires", String(expires)))
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        query.append(("X-Amz-SignedHeaders", Self.canonicalHeaders(request.headers).signedHeaders))
        var signed = request
        signed.query = query
        let canonical = canonicalRequest(signed, payload: .unsigned)
        query.append(("X-Amz-Signature", signature(stringToSign: stringToSign(canonicalRequest: canonical.text, timestamp: stamp), timestamp: stamp)))
        return query
    }

    /// The canonical request and its signed-header list.
    public func canonicalRequest(_ request: SigV4Request, payload: SigV4Payload) -> (text: String, signedHeaders: String) {
        let headers = Self.canonicalHeaders(request.headers)
        let text = [
            request.method.uppercased(),
            S3URIEncoding.encode(request.path.isEmpty ? "/" : request.path, keepSlash: true),
            Self.canonicalQuery(request.query),
            headers.text,
            headers.signedHeaders,
            payload.headerValue,
        ].joined(separator: "\n")
        return (text, headers.signedHeaders)
    }

    public func stringToSign(canonicalRequest: String, timestamp: SigV4Timestamp) -> String {
        [Self.algorithm, timestamp.dateTime, scope(timestamp), SHA256.hash(data: Array(canonicalRequest.utf8)).hexString]
            .joined(separator: "\n")
    }

    public func signature(stringToSign: String, timestamp: SigV4Timestamp) -> String {
        let key = keys.key(for: timestamp.date) {
            Self.signingKey(secret: credentials.secretAccessKey, date: timestamp.date, region: region, service: service)
        }
        return HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key).hexString
    }

    /// `date/region/service/aws4_request`.
    public func scope(_ timestamp: SigV4Timestamp) -> String {
        "\(timestamp.date)/\(region)/\(service)/aws4_request"
    }

    /// The derived key: HMAC chain over the date, region, service and `aws4_request`.
    public static func signingKey(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array("AWS4\(secret)".utf8))
        for part in [date, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// Sorted by encoded name then value, each part encoded with `/` encoded too.
    public static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map {
            (S3URIEncoding.encode($0.name, keepSlash: false), S3URIEncoding.encode($0.value, keepSlash: false))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// Lower-cased names, sorted; values trimmed with inner runs of spaces collapsed; repeated
    /// headers joined by commas in the order given.
    public static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (text: String, signedHeaders: String) {
        var byName: [String: [String]] = [:]
        for header in headers {
            byName[header.name.lowercased(), default: []].append(normalizeValue(header.value))
        }
        let names = byName.keys.sorted()
        let text = names.map { "\($0):\(byName[$0]!.joined(separator: ","))\n" }.joined()
        return (text, names.joined(separator: ";"))
    }

    static func normalizeValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}

/// The two forms of the signing time: `20130524T000000Z` and `20130524`, always UTC.
public struct SigV4Timestamp: Sendable, Equatable {
    public let dateTime: String
    public let date: String

    public init(_ instant: Date) {
        var seconds = time_t(instant.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let date = String(format: "%04d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday))
        self.date = date
        self.dateTime = date + String(format: "T%02d%02d%02dZ", Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}

/// The derived key changes once a day; deriving it costs four HMACs per request otherwise.
final class SigningKeyCache: Sendable {
    private let cached = Mutex<(date: String, key: [UInt8])?>(nil)

    func key(for date: String, derive: () -> SymmetricKey) -> SymmetricKey {
        if let hit = cached.withLock({ $0 }), hit.date == date { return SymmetricKey(data: hit.key) }
        let key = derive()
        let bytes = key.withUnsafeBytes { Array($0) }
        cached.withLock { $0 = (date, bytes) }
        return key
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex, as SigV4 writes hashes and signatures.
    var hexString: String {
        var output = [UInt8]()
        for byte in self {
            output.append(lowerHexDigits[Int(byte >> 4)])
            output.append(lowerHexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

private let lowerHexDigits: [UInt8] = Array("0123456789abcdef".utf8)

extension Digest {
    var hexString: String { Array(self).hexString }
}

extension HashedAuthenticationCode {
    var hexString: String { Array(self).hexString }
}
