import Foundation
import IngestCore
import IngestRedis

extension IngestSettings {
    /// The warning to print whenever a `rediss://` broker's certificate checks are reduced (possibly
    /// by a variable left in the environment), since nothing else would show it; `nil` when the
    /// server is fully verified. It names the setting as the user gave it, and never the password.
    /// - Parameters:
    ///   - url: The broker, TLS settings resolved.
    ///   - certificateRequirementSource: Where `ssl_cert_reqs` came from, as `redisURL(parsing:)` says.
    public static func weakenedVerificationWarning(_ url: RedisURL, certificateRequirementSource: String) -> String? {
        guard url.usesTLS else { return nil }
        let weakness: String? = switch (url.tls.certificateRequirement, url.tls.checksHostname) {
        case (.none, _): "the server's certificate is not checked (\(certificateRequirementSource))"
        case (.required, false): "the server's certificate is not matched to its host name (ssl_check_hostname=false in the URL)"
        case (.required, true): nil
        }
        guard let weakness else { return nil }
        return "warning: broker \(url.redacted): \(weakness); anyone on the network path can pose as the server"
    }

    /// A Redis broker URL with the TLS settings of the `--redis_ssl_*` flags and `REDIS_SSL_*`
    /// variables filled in where the URL leaves them out: the URL wins, then the flag, then
    /// the variable. The variables describe a machine (where its CA bundle and client key
    /// live), so they apply to whichever `rediss://` broker the command uses and are ignored for
    /// `redis://`; a flag given for a `redis://` broker is an error, since it would do nothing.
    /// - Returns: The URL, and where its certificate requirement was set, in the user's words
    ///   (`--redis_ssl_cert_reqs none`), for the warning about weakened checks.
    public func redisURL(parsing text: String) throws -> (url: RedisURL, certificateRequirementSource: String) {
        var url = try RedisURL(parsing: text)
        let flags = overrides.redisTLS
        let query = text.firstIndex(of: "?").map { text[$0...].lowercased() } ?? ""
        func setting(_ flag: String?, _ flagName: String, _ variable: String) throws -> (value: String, source: String)? {
            if let flag {
                guard url.usesTLS else {
                    throw IngestError.invalidOption(
                        name: "--\(flagName)",
                        reason: "it applies to TLS, and the broker \(url.redacted) is plain redis://; write it as rediss:// to use TLS")
                }
                return (flag, "--\(flagName)")
            }
            guard url.usesTLS, let value = environment[variable], !value.isEmpty else { return nil }
            return (value, variable)
        }
        if url.tls.caCertificatesFile == nil {
            url.tls.caCertificatesFile = try setting(flags.caCertificates, "redis_ssl_ca_certs", "REDIS_SSL_CA_CERTS")?.value
        }
        if url.tls.certificateFile == nil {
            url.tls.certificateFile = try setting(flags.certificateFile, "redis_ssl_certfile", "REDIS_SSL_CERTFILE")?.value
        }
        if url.tls.keyFile == nil {
            url.tls.keyFile = try setting(flags.keyFile, "redis_ssl_keyfile", "REDIS_SSL_KEYFILE")?.value
        }
        var requirementSource = "ssl_cert_reqs=\(url.tls.certificateRequirement.rawValue) in the URL"
        if !query.contains("ssl_cert_reqs="),
            let found = try setting(flags.certificateRequirement, "redis_ssl_cert_reqs", "REDIS_SSL_CERT_REQS")
        {
            guard let requirement = RedisTLSOptions.certificateRequirement(parsing: found.value) else {
                throw IngestError.invalidOption(name: found.source, reason: "'\(found.value)' is not required or none")
            }
            url.tls.certificateRequirement = requirement
            requirementSource = found.source.hasPrefix("--")
                ? "\(found.source) \(found.value)" : "\(found.source)=\(found.value) in the environment"
        }
        return (url, requirementSource)
    }
}
