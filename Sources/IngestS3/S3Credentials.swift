import Foundation

/// An access key pair, with the session token of temporary credentials.
///
/// `description` never shows the secret or the token, so a credential that ends up in a log line
/// or an error message leaks nothing but the access key id.
public struct S3Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "S3Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
    }

    public var debugDescription: String { description }

    /// Reads upstream's keypair file (`--s3_keypair`): the access key id on line 1, the secret on line 2.
    /// - Parameter path: The file.
    /// - Throws: `S3CredentialsError` naming the file and what to put in it.
    public static func keypairFile(_ path: String) throws(S3CredentialsError) -> S3Credentials {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadableKeypairFile(path: path, reason: Self.reason(error))
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count >= 2, !lines[0].isEmpty, !lines[1].isEmpty else {
            throw .malformedKeypairFile(path: path, lineCount: lines.filter { !$0.isEmpty }.count)
        }
        return S3Credentials(accessKeyID: lines[0], secretAccessKey: lines[1])
    }

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, if set, `AWS_SESSION_TOKEN`.
    /// - Parameter environment: The variables; the process's own by default.
    public static func environment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(S3CredentialsError) -> S3Credentials {
        let id = environment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard let id, let secret else {
            throw .missingEnvironment(missing: [id == nil ? "AWS_ACCESS_KEY_ID" : nil, secret == nil ? "AWS_SECRET_ACCESS_KEY" : nil].compactMap { $0 })
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        switch nsError.code {
        case NSFileReadNoSuchFileError: return "no such file"
        case NSFileReadNoPermissionError: return "permission denied"
        case NSFileReadInapplicableStringEncodingError: return "not UTF-8 text"
        default: return nsError.localizedDescription
        }
    }
}

/// Why credentials could not be loaded; each message names the source and the fix.
public enum S3CredentialsError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreadableKeypairFile(path: String, reason: String)
    case malformedKeypairFile(path: String, lineCount: Int)
    case missingEnvironment(missing: [String])

    public var description: String {
        switch self {
        case .unreadableKeypairFile(let path, let reason):
            return "cannot read the S3 keypair file '\(path)' (\(reason)); fix --s3_keypair or the file's permissions"
        case .malformedKeypairFile(let path, let count):
            return "the S3 keypair file '\(path)' has \(count) non-empty line\(count == 1 ? "" : "s"); "
                + "it needs the access key id on line 1 and the secret access key on line 2"
        case .missingEnvironment(let missing):
            return "\(missing.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") not set; "
                + "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --s3_keypair FILE"
        }
    }
}
