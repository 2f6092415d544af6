/// How a `rediss://` connection checks the server and proves who the client is.
///
/// The names are redis-py's (`ssl_ca_certs`, `ssl_certfile`, `ssl_keyfile`, `ssl_cert_reqs`,
/// `ssl_check_hostname`), so a URL that works with `redis.from_url` works here too. The
/// default verifies the server's certificate against the system trust roots and checks
/// that it names the URL's host.
public struct RedisTLSOptions: Sendable, Equatable {
    /// Whether the server must present a certificate that verifies.
    public enum CertificateRequirement: String, Sendable, Equatable {
        /// Verify the chain (and, unless ``RedisTLSOptions/checksHostname`` is off, the host
        /// name). redis-py's `optional` means the same for a client and is read as this.
        case required
        /// Accept any certificate. Insecure: anyone on the path can pose as the server and
        /// read the password and the data.
        case none
    }

    /// What `ssl_cert_reqs` asks for; `.required` by default.
    public var certificateRequirement: CertificateRequirement
    /// Whether the certificate must name the host of the URL (a DNS name, or an IP
    /// address SAN when the host is an address). Only matters when certificates are verified.
    public var checksHostname: Bool
    /// A PEM file of the certificate authorities to trust instead of the system's
    /// (`ssl_ca_certs`), for servers with certificates from a private CA.
    public var caCertificatesFile: String?
    /// A PEM file with the client certificate (and any intermediates), for servers started
    /// with `tls-auth-clients yes` (`ssl_certfile`).
    public var certificateFile: String?
    /// The PEM file with the client certificate's private key (`ssl_keyfile`); defaults to
    /// ``certificateFile`` when that file holds both, as redis-py allows.
    public var keyFile: String?

    /// - Parameters:
    ///   - certificateRequirement: Default `.required`.
    ///   - checksHostname: Default `true`.
    ///   - caCertificatesFile: Default `nil`: the system trust roots.
    ///   - certificateFile: Default `nil`: no client certificate.
    ///   - keyFile: Default `nil`: the key is in `certificateFile`, if that is given.
    public init(
        certificateRequirement: CertificateRequirement = .required, checksHostname: Bool = true,
        caCertificatesFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil
    ) {
        self.certificateRequirement = certificateRequirement
        self.checksHostname = checksHostname
        self.caCertificatesFile = caCertificatesFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The URL query parameter names, redis-py's spelling.
    public enum Parameter: String, CaseIterable, Sendable {
        case caCertificates = "ssl_ca_certs"
        case certificateFile = "ssl_certfile"
        case keyFile = "ssl_keyfile"
        case certificateRequirement = "ssl_cert_reqs"
        case checkHostname = "ssl_check_hostname"
    }

    /// Reads `ssl_cert_reqs` as redis-py and Celery users write it: `none`, `optional`,
    /// `required`, or Python's `CERT_NONE`, `CERT_OPTIONAL`, `CERT_REQUIRED`, in any case.
    /// - Returns: `nil` for anything else.
    public static func certificateRequirement(parsing text: String) -> CertificateRequirement? {
        var value = text.lowercased()
        if value.hasPrefix("cert_") { value.removeFirst(5) }
        switch value {
        case "none": return CertificateRequirement.none
        case "optional", "required": return .required
        default: return nil
        }
    }

    /// Reads `ssl_check_hostname` the way Python's URL parsers read booleans.
    /// - Returns: `nil` for anything but true/false, yes/no, 1/0, on/off.
    public static func boolean(parsing text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: return nil
        }
    }

    /// The settings that differ from the defaults, as query parameters in a fixed order, so
    /// that a URL written back out parses to the same options.
    var queryItems: [(Parameter, String)] {
        var items: [(Parameter, String)] = []
        if let caCertificatesFile { items.append((.caCertificates, caCertificatesFile)) }
        if let certificateFile { items.append((.certificateFile, certificateFile)) }
        if let keyFile { items.append((.keyFile, keyFile)) }
        if certificateRequirement != .required { items.append((.certificateRequirement, certificateRequirement.rawValue)) }
        if !checksHostname { items.append((.checkHostname, "false")) }
        return items
    }
}
