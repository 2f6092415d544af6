import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// Builds the TLS side of a `rediss://` connection from a URL's ``RedisTLSOptions``.
///
/// The context is built for every connection rather than once per client: reading the
/// files again on each reconnect picks up certificates rotated while workers run, and a
/// connection is opened rarely enough (start, then only after an outage) for the cost not
/// to matter.
enum RedisTLS {
    /// The NIOSSL context for `url`, its files read and checked now, so that a missing or
    /// malformed file is reported by name before any connection is attempted.
    /// - Throws: ``RedisError/tlsConfiguration(url:reason:)`` naming the file and the option.
    static func makeContext(for url: RedisURL) throws(RedisError) -> NIOSSLContext {
        let options = url.tls
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch (options.certificateRequirement, options.checksHostname) {
        case (.none, _): configuration.certificateVerification = .none
        case (.required, true): configuration.certificateVerification = .fullVerification
        case (.required, false): configuration.certificateVerification = .noHostnameVerification
        }
        if let path = options.caCertificatesFile {
            // Only the given CAs, as redis-py does: a private CA is usually meant to be the
            // only one that can vouch for the server.
            configuration.trustRoots = .certificates(try certificates(at: path, option: .caCertificates, url: url))
        }
        if options.keyFile != nil && options.certificateFile == nil {
            throw .tlsConfiguration(
                url: url.redacted, reason: "ssl_keyfile is given without ssl_certfile; give the client certificate too")
        }
        if let path = options.certificateFile {
            let chain = try certificates(at: path, option: .certificateFile, url: url)
            configuration.certificateChain = chain.map { .certificate($0) }
            let keyPath = options.keyFile ?? path
            let keyOption = options.keyFile == nil ? RedisTLSOptions.Parameter.certificateFile : .keyFile
            try checkReadable(keyPath, option: keyOption, url: url)
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
            } catch {
                throw .tlsConfiguration(
                    url: url.redacted,
                    reason: "\(keyOption.rawValue) '\(keyPath)' holds no PEM private key (\(error)); "
                        + "give the unencrypted PEM key of the client certificate with ssl_keyfile")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tlsConfiguration(
                url: url.redacted,
                reason: "\(error); check that ssl_certfile and ssl_keyfile are a certificate and its own key")
        }
    }

    /// The name to send in SNI and match against the certificate, or `nil` for an IP
    /// address, which SNI must not carry; NIOSSL then matches the certificate's IP address
    /// entries against the address it connected to.
    static func serverName(for host: String) -> String? {
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        let isAddress = host.withCString { inet_pton(AF_INET, $0, &ipv4) == 1 || inet_pton(AF_INET6, $0, &ipv6) == 1 }
        return isAddress ? nil : host
    }

    private static func certificates(
        at path: String, option: RedisTLSOptions.Parameter, url: RedisURL
    ) throws(RedisError) -> [NIOSSLCertificate] {
        try checkReadable(path, option: option, url: url)
        let loaded: [NIOSSLCertificate]
        do {
            loaded = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            loaded = []
        }
        guard !loaded.isEmpty else {
            throw .tlsConfiguration(
                url: url.redacted,
                reason: "\(option.rawValue) '\(path)' holds no PEM certificate; give a file with "
                    + "-----BEGIN CERTIFICATE----- blocks")
        }
        return loaded
    }

    private static func checkReadable(
        _ path: String, option: RedisTLSOptions.Parameter, url: RedisURL
    ) throws(RedisError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .tlsConfiguration(
                url: url.redacted, reason: "\(option.rawValue) '\(path)' does not exist; give the path of a PEM file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .tlsConfiguration(
                url: url.redacted,
                reason: "\(option.rawValue) '\(path)' is not readable by this user; fix its permissions")
        }
    }
}

/// What went wrong in TLS, sorted by what the user must change. Built from NIOSSL's
/// errors, whose BoringSSL reason codes (`CERTIFICATE_VERIFY_FAILED`, ...) are the only
/// stable way to tell the cases apart.
enum RedisTLSFailure: Sendable, Equatable {
    /// Our check of the server's certificate failed (untrusted, expired, wrong host).
    case serverCertificateRejected(String)
    /// The server's alert says it did not accept us: no client certificate, or an untrusted one.
    case clientCertificateRejected(String)
    /// Not TLS on the other side, or no common protocol version or cipher.
    case handshakeFailed(String)

    /// Sorts an error seen on a TLS channel.
    /// - Returns: `nil` for errors that are not a TLS verdict (a reset or closed socket,
    ///   which a reconnect may cure, e.g. a server going down mid-handshake).
    init?(_ error: any Error) {
        if let extra = error as? NIOSSLExtraError {
            if extra == .failedToValidateHostname || extra == .serverHostnameImpossibleToMatch {
                // NIOSSL's own text reads "<none>" for an IP address host; say it plainly.
                self = .serverCertificateRejected("the certificate is trusted but issued for other host names or addresses")
            } else {
                self = .handshakeFailed("\(extra)")
            }
            return
        }
        let text: String
        if let error = error as? NIOSSLError {
            switch error {
            case .handshakeFailed(let underlying): text = "\(underlying)"
            case .uncleanShutdown: return nil
            default: text = "\(error)"
            }
        } else if let error = error as? BoringSSLError {
            text = "\(error)"
        } else {
            return nil
        }
        self = Self.classify(text)
    }

    /// Sorts BoringSSL's error text by the reason codes it contains.
    static func classify(_ text: String) -> RedisTLSFailure {
        let reasons = Self.reasonCodes(in: text)
        let summary = reasons.isEmpty ? text : reasons.joined(separator: ", ")
        if reasons.contains(where: { $0 == "CERTIFICATE_VERIFY_FAILED" }) {
            return .serverCertificateRejected(summary)
        }
        // Alerts are the server's verdict on us; these ones are about our certificate (missing,
        // untrusted, expired, the wrong kind) or the handshake it would have signed.
        let clientSide = ["CERTIFICATE", "UNKNOWN_CA", "ACCESS_DENIED", "HANDSHAKE_FAILURE", "DECRYPT_ERROR"]
        if reasons.contains(where: { reason in reason.contains("ALERT_") && clientSide.contains { reason.contains($0) } }) {
            return .clientCertificateRejected(summary)
        }
        return .handshakeFailed(summary)
    }

    /// The upper-case reason codes in BoringSSL's `error:...:SSL routines:OPENSSL_internal:REASON`
    /// lines, which say what failed in words a search engine knows, without the noise around them.
    static func reasonCodes(in text: String) -> [String] {
        var codes: [String] = []
        for part in text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }) {
            guard let last = part.split(separator: ":").last, last.count > 3,
                last.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }), last.contains("_"),
                !codes.contains(String(last))
            else { continue }
            codes.append(String(last))
        }
        return codes
    }

    /// The error to report for a connection to `url`.
    func redisError(for url: RedisURL) -> RedisError {
        switch self {
        case .serverCertificateRejected(let reason):
            return .tlsServerCertificateRejected(url: url.redacted, host: url.host, reason: reason)
        case .clientCertificateRejected(let reason):
            return .tlsClientCertificateRejected(url: url.redacted, reason: reason)
        case .handshakeFailed(let reason):
            return .tlsHandshakeFailed(url: url.redacted, reason: reason)
        }
    }
}

/// What the TLS layer of one connection has reported: whether the handshake completed, and
/// the first TLS failure. Written on the event loop, read by the task that connects.
final class RedisTLSState: Sendable {
    private struct Value {
        var handshakeCompleted = false
        var failure: RedisTLSFailure?
    }

    private let value = Mutex(Value())

    var handshakeCompleted: Bool { value.withLock { $0.handshakeCompleted } }
    var failure: RedisTLSFailure? { value.withLock { $0.failure } }

    func recordHandshakeCompleted() { value.withLock { $0.handshakeCompleted = true } }

    /// Keeps the first failure: later errors are consequences of it.
    func record(_ failure: RedisTLSFailure) {
        value.withLock { if $0.failure == nil { $0.failure = failure } }
    }
}

/// Sits between NIOSSL and ``RedisChannelHandler`` and notes TLS verdicts in a
/// ``RedisTLSState``, so that a failed connect says "certificate not trusted" rather
/// than only "connection closed". Passes every event on unchanged.
final class RedisTLSObserver: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let state: RedisTLSState

    init(state: RedisTLSState) {
        self.state = state
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            state.recordHandshakeCompleted()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let failure = RedisTLSFailure(error) {
            state.record(failure)
        }
        context.fireErrorCaught(error)
    }
}
