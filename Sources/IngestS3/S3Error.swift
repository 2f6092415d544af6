/// A failed S3 request, worded for the person who has to fix it: each message names the thing
/// (bucket, key, endpoint, credential setting) and what to change. Secrets never appear.
public enum S3Error: Error, CustomStringConvertible, Sendable, Equatable {
    case noSuchBucket(bucket: String, endpoint: String)
    case noSuchKey(bucket: String, key: String, endpoint: String)
    case noSuchUpload(bucket: String, key: String, uploadID: String, endpoint: String)
    /// `InvalidAccessKeyId` or `SignatureDoesNotMatch`.
    case invalidCredentials(code: String, accessKeyID: String, credentialHint: String, endpoint: String)
    case accessDenied(resource: String, credentialHint: String, endpoint: String)
    /// The bucket lives in another region than the one signed for.
    case wrongRegion(configured: String, actual: String?, regionHint: String, endpoint: String)
    case clockSkew(endpoint: String)
    /// The answer is not S3's: an HTML page, another protocol, a proxy's own error.
    case notS3(endpoint: String, status: Int?, firstBytes: String)
    case unreachable(endpoint: String, reason: String)
    case timedOut(operation: String, endpoint: String)
    /// Any other error the server reported.
    case service(operation: String, resource: String, status: Int, document: S3ErrorDocument?, endpoint: String)
    /// A success status with a body that cannot be what the operation returns.
    case invalidResponse(operation: String, endpoint: String, reason: String)

    public var description: String {
        switch self {
        case .noSuchBucket(let bucket, let endpoint):
            return "bucket '\(bucket)' does not exist at \(endpoint); create it or fix the bucket name"
        case .noSuchKey(let bucket, let key, let endpoint):
            return "object '\(key)' does not exist in bucket '\(bucket)' at \(endpoint)"
        case .noSuchUpload(let bucket, let key, let uploadID, let endpoint):
            return "multipart upload '\(uploadID)' of '\(key)' in bucket '\(bucket)' does not exist at \(endpoint) "
                + "(it was completed or aborted)"
        case .invalidCredentials(let code, let accessKeyID, let hint, let endpoint):
            if code == "InvalidAccessKeyId" {
                return "\(endpoint) does not know the access key id '\(accessKeyID)' (InvalidAccessKeyId); fix \(hint)"
            }
            return "\(endpoint) refused the signature of access key id '\(accessKeyID)' (\(code)): the secret access key is wrong "
                + "(or a proxy changed the request); fix \(hint)"
        case .accessDenied(let resource, let hint, let endpoint):
            return "access denied to \(resource) at \(endpoint) (HTTP 403): the credentials (\(hint)) lack the permission, or are wrong"
        case .wrongRegion(let configured, let actual, let hint, let endpoint):
            if let actual {
                return "the bucket is in region '\(actual)', not '\(configured)', at \(endpoint); set \(hint) \(actual)"
            }
            return "\(endpoint) refused region '\(configured)' for this bucket; set \(hint) to the bucket's region"
        case .clockSkew(let endpoint):
            return "\(endpoint) says this machine's clock is more than 15 minutes off (RequestTimeTooSkewed); "
                + "fix the clock (enable NTP) and retry"
        case .notS3(let endpoint, let status, let firstBytes):
            guard let status else { return "\(endpoint) does not answer like an S3 server (the answer is not HTTP); check the S3 endpoint" }
            return "\(endpoint) does not answer like an S3 server (HTTP \(status), first bytes: \(firstBytes)); check the S3 endpoint"
        case .unreachable(let endpoint, let reason):
            return "cannot reach the S3 endpoint \(endpoint) (\(reason)); check the endpoint and that its server runs"
        case .timedOut(let operation, let endpoint):
            return "\(operation) at \(endpoint) timed out; check the network, or raise the S3 timeouts"
        case .service(let operation, let resource, let status, let document, let endpoint):
            guard let document else { return "\(operation) of \(resource) failed at \(endpoint) with HTTP \(status)" }
            let message = document.message.isEmpty ? "" : ": \(document.message)"
            let request = document.requestID.map { " (request id \($0))" } ?? ""
            return "\(operation) of \(resource) failed at \(endpoint) with HTTP \(status) \(document.code)\(message)\(request)"
        case .invalidResponse(let operation, let endpoint, let reason):
            return "\(operation) at \(endpoint) got an unexpected answer: \(reason)"
        }
    }

    /// The S3 error code when the server gave one.
    public var code: String? {
        switch self {
        case .noSuchBucket: return "NoSuchBucket"
        case .noSuchKey: return "NoSuchKey"
        case .noSuchUpload: return "NoSuchUpload"
        case .invalidCredentials(let code, _, _, _): return code
        case .accessDenied: return "AccessDenied"
        case .clockSkew: return "RequestTimeTooSkewed"
        case .service(_, _, _, let document, _): return document?.code
        default: return nil
        }
    }

    /// Worth another attempt: the server was busy or broken for a moment, or the connection failed.
    public var isRetryable: Bool {
        switch self {
        case .unreachable, .timedOut:
            return true
        case .service(_, _, let status, let document, _):
            if status >= 500 { return true }
            return ["SlowDown", "InternalError", "RequestTimeout", "ServiceUnavailable"].contains(document?.code ?? "")
        default:
            return false
        }
    }
}

/// What a request was about, so that an error can name it.
struct S3ErrorContext: Sendable {
    var operation: String
    var bucket: String?
    var key: String?
    var uploadID: String?
    var endpoint: String
    var region: String
    var accessKeyID: String
    var credentialHint: String
    var regionHint: String

    var resource: String {
        switch (bucket, key) {
        case (nil, _): return "the service"
        case (let bucket?, nil): return "bucket '\(bucket)'"
        case (let bucket?, let key?): return "'\(key)' in bucket '\(bucket)'"
        }
    }
}

extension S3Error {
    /// Maps an unsuccessful response. HEAD responses have no body, so their status alone decides.
    /// - Parameters:
    ///   - status: The HTTP status.
    ///   - bucketRegion: The `x-amz-bucket-region` header, which AWS sends with region errors.
    ///   - body: The first bytes of the body (it is read up to a limit).
    static func from(status: Int, bucketRegion: String?, body: [UInt8], context: S3ErrorContext) -> S3Error {
        let document = S3XMLElement.parse(body).flatMap(S3Responses.error)
        let endpoint = context.endpoint
        if document == nil, !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return .notS3(endpoint: endpoint, status: status, firstBytes: firstBytes(body))
        }
        if let bucketRegion, bucketRegion != context.region, status == 301 || status == 400 || document?.code == "PermanentRedirect" {
            return .wrongRegion(configured: context.region, actual: bucketRegion, regionHint: context.regionHint, endpoint: endpoint)
        }
        guard let document else {
            switch status {
            case 404 where context.key == nil && context.bucket != nil:
                return .noSuchBucket(bucket: context.bucket!, endpoint: endpoint)
            case 404 where context.key != nil && context.uploadID == nil:
                return .noSuchKey(bucket: context.bucket!, key: context.key!, endpoint: endpoint)
            case 403:
                return .accessDenied(resource: context.resource, credentialHint: context.credentialHint, endpoint: endpoint)
            case 301:
                return .wrongRegion(configured: context.region, actual: nil, regionHint: context.regionHint, endpoint: endpoint)
            default:
                return .service(operation: context.operation, resource: context.resource, status: status, document: nil, endpoint: endpoint)
            }
        }
        switch document.code {
        case "NoSuchBucket":
            return .noSuchBucket(bucket: document.bucket ?? context.bucket ?? "", endpoint: endpoint)
        case "NoSuchUpload":
            return .noSuchUpload(bucket: context.bucket ?? "", key: context.key ?? "", uploadID: context.uploadID ?? "", endpoint: endpoint)
        case "NoSuchKey" where context.uploadID != nil:
            // Ceph RGW answers NoSuchKey where AWS says NoSuchUpload.
            return .noSuchUpload(bucket: context.bucket ?? "", key: context.key ?? "", uploadID: context.uploadID ?? "", endpoint: endpoint)
        case "NoSuchKey":
            return .noSuchKey(bucket: context.bucket ?? "", key: context.key ?? "", endpoint: endpoint)
        case "InvalidAccessKeyId", "SignatureDoesNotMatch":
            return .invalidCredentials(
                code: document.code, accessKeyID: context.accessKeyID, credentialHint: context.credentialHint, endpoint: endpoint)
        case "AccessDenied":
            return .accessDenied(resource: context.resource, credentialHint: context.credentialHint, endpoint: endpoint)
        case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException":
            return .wrongRegion(
                configured: context.region, actual: document.region ?? bucketRegion, regionHint: context.regionHint, endpoint: endpoint)
        case "RequestTimeTooSkewed":
            return .clockSkew(endpoint: endpoint)
        default:
            return .service(operation: context.operation, resource: context.resource, status: status, document: document, endpoint: endpoint)
        }
    }

    /// Up to 60 printable characters of a body, for a message about what answered instead of S3.
    static func firstBytes(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(60), as: UTF8.self)
            .map { $0.isASCII && ($0.isLetter || $0.isNumber || $0.isPunctuation || $0.isSymbol || $0 == " ") ? $0 : " " }
        return "'" + String(text).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") + (body.count > 60 ? "...'" : "'")
    }
}
