import Foundation
import IngestCore

/// Where a Redis server is and how to log in to it, parsed from
/// `redis://[[user]:password@]host[:port][/db]` or `rediss://...[?ssl_ca_certs=PATH&...]` (TLS).
///
/// Parsed by hand rather than with `URLComponents` because the redis scheme allows forms
/// that general URL parsers treat inconsistently across platforms (an empty user before the
/// colon, a bare database number as the path), and because every error must name the URL
/// with its password masked.
public struct RedisURL: Sendable, Equatable {
    /// The port Redis listens on unless told otherwise.
    public static let defaultPort = 6379

    /// Whether the scheme was `rediss` (Redis over TLS).
    public var usesTLS: Bool
    /// Host name or IP address; an IPv6 address is stored without its brackets.
    public var host: String
    public var port: Int
    /// The ACL user for `AUTH`/`HELLO ... AUTH`; `nil` means the `default` user.
    public var username: String?
    /// `nil` when the server needs no authentication.
    public var password: String?
    /// The logical database to `SELECT` after connecting.
    public var database: Int
    /// How a `rediss://` connection verifies the server and identifies the client; read
    /// from the URL's query (`?ssl_ca_certs=/etc/redis/ca.pem&ssl_cert_reqs=none`).
    /// Ignored without TLS.
    public var tls: RedisTLSOptions

    /// - Parameters:
    ///   - host: Host name or IP address.
    ///   - port: TCP port, default 6379.
    ///   - username: ACL user, or `nil` for the default user.
    ///   - password: Password, or `nil` for none.
    ///   - database: Database number to select, default 0.
    ///   - usesTLS: Whether to connect with TLS (`rediss://`).
    ///   - tls: Certificate checks and client certificate for TLS; verify against the system
    ///     trust roots by default.
    public init(
        host: String, port: Int = RedisURL.defaultPort, username: String? = nil, password: String? = nil,
        database: Int = 0, usesTLS: Bool = false, tls: RedisTLSOptions = RedisTLSOptions()
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.usesTLS = usesTLS
        self.tls = tls
    }

    /// Parses a Redis URL.
    ///
    /// User and password may be percent-encoded, so that passwords containing `@`, `:`,
    /// `/` or `?` can be written (`%40`, `%3A`, `%2F`, `%3F`). A `rediss://` URL may carry
    /// redis-py's TLS parameters in its query (see ``RedisTLSOptions/Parameter``); any other
    /// parameter is an error, so that a misspelt one is not silently ignored.
    /// - Parameter string: The URL, for example `redis://:secret@cache.local:6380/2`.
    /// - Throws: ``RedisURLError`` naming the URL (password masked) and how to fix it.
    public init(parsing string: String) throws(RedisURLError) {
        let masked = Self.mask(string)
        // The scheme first: a URL of another service is answered as such, whatever else is wrong.
        if let schemeEnd = string.range(of: "://"), !["redis", "rediss"].contains(string[..<schemeEnd.lowerBound].lowercased()) {
            throw .unsupportedScheme(url: masked, scheme: String(string[..<schemeEnd.lowerBound]))
        }
        let parts: ServerURL
        do {
            parts = try ServerURL(parsing: string)
        } catch {
            throw Self.error(for: error, url: masked)
        }
        usesTLS = parts.scheme == "rediss"
        if parts.user != nil, parts.password == nil {
            throw .missingPassword(url: masked)
        }
        username = parts.user.flatMap { $0.isEmpty ? nil : $0 }
        password = parts.password
        host = parts.host
        port = parts.port ?? Self.defaultPort

        let path = parts.path.drop(while: { $0 == "/" })
        if path.isEmpty {
            database = 0
        } else {
            guard let value = Int(path), value >= 0 else {
                throw .invalidDatabase(url: masked, database: String(path))
            }
            database = value
        }
        tls = try Self.tlsOptions(query: Substring(parts.query), usesTLS: usesTLS, url: masked)
    }

    /// A problem of the shared URL rule as a Redis URL error.
    private static func error(for problem: ServerURL.Problem, url: String) -> RedisURLError {
        switch problem {
        case .missingScheme: .missingScheme(url: url)
        case .fragment: .unsupportedFragment(url: url)
        case .slashInCredentials: .slashInCredentials(url: url)
        case .invalidPercentEncoding: .invalidPercentEncoding(url: url)
        case .missingHost: .missingHost(url: url)
        case .unbracketedIPv6, .unclosedIPv6, .textAfterIPv6: .invalidHost(url: url)
        case .invalidPort(let port): .invalidPort(url: url, port: port)
        }
    }

    private static func decodeParameter(_ text: Substring, url: String) throws(RedisURLError) -> String {
        do {
            return try ServerURL.decode(text, part: "query")
        } catch {
            throw .invalidPercentEncoding(url: url)
        }
    }

    /// Reads redis-py's TLS parameters from a query string.
    private static func tlsOptions(query: Substring, usesTLS: Bool, url: String) throws(RedisURLError) -> RedisTLSOptions {
        var options = RedisTLSOptions()
        var seen = Set<RedisTLSOptions.Parameter>()
        for pair in query.split(separator: "&") {
            let equals = pair.firstIndex(of: "=") ?? pair.endIndex
            let name = try decodeParameter(pair[..<equals], url: url)
            let value = equals == pair.endIndex ? "" : try decodeParameter(pair[pair.index(after: equals)...], url: url)
            guard let parameter = RedisTLSOptions.Parameter(rawValue: name.lowercased()) else {
                throw .unknownParameter(url: url, name: name)
            }
            guard usesTLS else { throw .tlsParameterWithoutTLS(url: url, name: name) }
            guard seen.insert(parameter).inserted else { throw .repeatedParameter(url: url, name: name) }
            switch parameter {
            case .caCertificates, .certificateFile, .keyFile:
                guard !value.isEmpty else {
                    throw .invalidParameter(url: url, name: name, value: value, expected: "a file path")
                }
                switch parameter {
                case .caCertificates: options.caCertificatesFile = value
                case .certificateFile: options.certificateFile = value
                default: options.keyFile = value
                }
            case .certificateRequirement:
                guard let requirement = RedisTLSOptions.certificateRequirement(parsing: value) else {
                    throw .invalidParameter(url: url, name: name, value: value, expected: "required or none")
                }
                options.certificateRequirement = requirement
            case .checkHostname:
                guard let flag = RedisTLSOptions.boolean(parsing: value) else {
                    throw .invalidParameter(url: url, name: name, value: value, expected: "true or false")
                }
                options.checksHostname = flag
            }
        }
        if options.keyFile != nil && options.certificateFile == nil {
            throw .invalidParameter(
                url: url, name: RedisTLSOptions.Parameter.keyFile.rawValue, value: options.keyFile ?? "",
                expected: "a key for the certificate that ssl_certfile names; give ssl_certfile too")
        }
        return options
    }

    /// The TLS parameters as a query string (empty without TLS or with the defaults).
    private var queryText: String {
        guard usesTLS else { return "" }
        let items = tls.queryItems
        guard !items.isEmpty else { return "" }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~/"))
        return "?" + items.map { name, value in
            name.rawValue + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
    }

    /// The full URL, password included and percent-encoded, which `init(parsing:)` reads back.
    /// Only for handing to another component; print `redacted`.
    public var unredacted: String {
        var text = usesTLS ? "rediss://" : "redis://"
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        func encoded(_ part: String) -> String { part.addingPercentEncoding(withAllowedCharacters: allowed) ?? part }
        if let password {
            text += encoded(username ?? "") + ":" + encoded(password) + "@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        return text + ":\(port)/\(database)" + queryText
    }

    /// A possibly unparsable URL string with whatever sits where a password would be masked.
    public static func redactedText(_ string: String) -> String {
        mask(string)
    }

    /// The URL with the password replaced by `***`, for logs and error messages.
    public var redacted: String {
        var text = usesTLS ? "rediss://" : "redis://"
        if password != nil {
            text += (username ?? "") + ":***@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        return text + ":\(port)/\(database)" + queryText
    }

    /// Masks whatever sits where the password would be in a URL that may not parse, and the values
    /// of password-like query parameters, so that no error message ever repeats a secret.
    static func mask(_ string: String) -> String {
        URLMasking.masked(string)
    }
}

extension RedisURL: CustomStringConvertible {
    /// The redacted form: a URL is printed in logs far more often than it is needed verbatim.
    public var description: String { redacted }
}

/// Why a string is not a usable Redis URL. Every message shows the URL with its password
/// masked and says how to write it instead.
public enum RedisURLError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingScheme(url: String)
    case unsupportedScheme(url: String, scheme: String)
    case unsupportedFragment(url: String)
    case unknownParameter(url: String, name: String)
    case tlsParameterWithoutTLS(url: String, name: String)
    case repeatedParameter(url: String, name: String)
    case invalidParameter(url: String, name: String, value: String, expected: String)
    case missingPassword(url: String)
    case slashInCredentials(url: String)
    case invalidPercentEncoding(url: String)
    case missingHost(url: String)
    case invalidHost(url: String)
    case invalidPort(url: String, port: String)
    case invalidDatabase(url: String, database: String)

    private static let form = "redis://[[user]:password@]host[:port][/db]"
    private static let parameters = RedisTLSOptions.Parameter.allCases.map(\.rawValue).joined(separator: ", ")

    public var description: String {
        switch self {
        case .missingScheme(let url):
            return "Redis URL '\(url)' has no scheme; write it as \(Self.form) (or rediss:// for TLS)"
        case .unsupportedScheme(let url, let scheme):
            return "Redis URL '\(url)' has scheme '\(scheme)'; use redis:// or rediss:// (TLS)"
        case .unsupportedFragment(let url):
            return "Redis URL '\(url)' has a fragment ('#...'), which is not supported; write it as \(Self.form), "
                + "and percent-encode a '#' in a password as %23"
        case .unknownParameter(let url, let name):
            return "Redis URL '\(url)' has query parameter '\(name)', which Ingest does not know; the parameters are "
                + "\(Self.parameters) (for rediss://), and the database number goes in the path: \(Self.form)"
        case .tlsParameterWithoutTLS(let url, let name):
            return "Redis URL '\(url)' sets '\(name)', which applies only to TLS; write the URL with rediss:// "
                + "to connect with TLS, or drop the parameter"
        case .repeatedParameter(let url, let name):
            return "Redis URL '\(url)' sets '\(name)' more than once; give it once"
        case .invalidParameter(let url, let name, let value, let expected):
            return "Redis URL '\(url)' has \(name)='\(value)'; it takes \(expected)"
        case .slashInCredentials(let url):
            return "Redis URL '\(url)' has a '/' before its last '@'; percent-encode '/' in the user or password as %2F"
        case .missingPassword(let url):
            return "Redis URL '\(url)' has credentials without a ':'; "
                + "write redis://:password@host for a password or redis://user:password@host for an ACL user"
        case .invalidPercentEncoding(let url):
            return "Redis URL '\(url)' has invalid percent-encoding in its credentials; "
                + "encode special characters as %XX (for example '@' as %40)"
        case .missingHost(let url):
            return "Redis URL '\(url)' has no host; write it as \(Self.form)"
        case .invalidHost(let url):
            return "Redis URL '\(url)' has an invalid host; write IPv6 addresses in brackets, e.g. redis://[::1]:6379/0"
        case .invalidPort(let url, let port):
            return "Redis URL '\(url)' has port '\(port)'; the port must be a number from 1 to 65535"
        case .invalidDatabase(let url, let database):
            return "Redis URL '\(url)' has database '\(database)'; the path must be a database number such as /0"
        }
    }
}
