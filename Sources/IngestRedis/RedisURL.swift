import Foundation

/// Where a Redis server is and how to log in to it, parsed from
/// `redis://[[user]:password@]host[:port][/db]` or `rediss://...` (TLS).
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

    /// - Parameters:
    ///   - host: Host name or IP address.
    ///   - port: TCP port, default 6379.
    ///   - username: ACL user, or `nil` for the default user.
    ///   - password: Password, or `nil` for none.
    ///   - database: Database number to select, default 0.
    ///   - usesTLS: Whether to connect with TLS (`rediss://`).
    public init(
        host: String, port: Int = RedisURL.defaultPort, username: String? = nil, password: String? = nil,
        database: Int = 0, usesTLS: Bool = false
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.usesTLS = usesTLS
    }

    /// Parses a Redis URL.
    ///
    /// User and password may be percent-encoded, so that passwords containing `@`, `:` or
    /// `/` can be written (`%40`, `%3A`, `%2F`).
    /// - Parameter string: The URL, for example `redis://:secret@cache.local:6380/2`.
    /// - Throws: ``RedisURLError`` naming the URL (password masked) and how to fix it.
    public init(parsing string: String) throws(RedisURLError) {
        let masked = Self.mask(string)
        guard let schemeEnd = string.range(of: "://") else {
            throw .missingScheme(url: masked)
        }
        switch string[..<schemeEnd.lowerBound].lowercased() {
        case "redis": usesTLS = false
        case "rediss": usesTLS = true
        default: throw .unsupportedScheme(url: masked, scheme: String(string[..<schemeEnd.lowerBound]))
        }
        var rest = string[schemeEnd.upperBound...]
        if rest.contains("?") || rest.contains("#") {
            throw .unsupportedQuery(url: masked)
        }

        // The authority ends at the first "/"; the credentials end at its last "@", since a
        // raw "@" in a password is more likely than one in a host name.
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        rest = rest[authorityEnd...]
        username = nil
        password = nil
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw .missingPassword(url: masked)
            }
            let user = try Self.decode(userInfo[..<colon], url: masked)
            username = user.isEmpty ? nil : user
            password = try Self.decode(userInfo[userInfo.index(after: colon)...], url: masked)
        }

        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidHost(url: masked) }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let afterHost = authority[authority.index(after: close)...]
            if afterHost.isEmpty {
                portText = nil
            } else if afterHost.hasPrefix(":") {
                portText = afterHost.dropFirst()
            } else {
                throw .invalidHost(url: masked)
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
            portText = nil
        }
        guard !host.isEmpty, !host.contains(where: { $0 == ":" && !authority.hasPrefix("[") }) else {
            throw host.isEmpty ? .missingHost(url: masked) : .invalidHost(url: masked)
        }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .invalidPort(url: masked, port: String(portText))
            }
            port = value
        } else {
            port = Self.defaultPort
        }

        let path = rest.drop(while: { $0 == "/" })
        if path.isEmpty {
            database = 0
        } else {
            guard let value = Int(path), value >= 0 else {
                throw .invalidDatabase(url: masked, database: String(path))
            }
            database = value
        }
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
        return text + ":\(port)/\(database)"
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
        return text + ":\(port)/\(database)"
    }

    /// Masks whatever sits where the password would be in a URL that may not parse, so
    /// that no error message ever repeats a secret.
    static func mask(_ string: String) -> String {
        guard let schemeEnd = string.range(of: "://") else {
            return string.contains("@") ? "<URL with credentials hidden>" : string
        }
        let rest = string[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return string }
        let userInfo = rest[..<at]
        // Without a colon the whole user info may be a password (`redis://secret@host`).
        let user = userInfo.firstIndex(of: ":").map { String(userInfo[..<$0]) + ":" } ?? ""
        return String(string[..<schemeEnd.upperBound]) + user + "***" + String(rest[at...])
    }

    private static func decode(_ text: Substring, url: String) throws(RedisURLError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw .invalidPercentEncoding(url: url)
        }
        return decoded
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
    case unsupportedQuery(url: String)
    case missingPassword(url: String)
    case invalidPercentEncoding(url: String)
    case missingHost(url: String)
    case invalidHost(url: String)
    case invalidPort(url: String, port: String)
    case invalidDatabase(url: String, database: String)

    private static let form = "redis://[[user]:password@]host[:port][/db]"

    public var description: String {
        switch self {
        case .missingScheme(let url):
            return "Redis URL '\(url)' has no scheme; write it as \(Self.form) (or rediss:// for TLS)"
        case .unsupportedScheme(let url, let scheme):
            return "Redis URL '\(url)' has scheme '\(scheme)'; use redis:// or rediss:// (TLS)"
        case .unsupportedQuery(let url):
            return "Redis URL '\(url)' has a query or fragment, which is not supported; "
                + "put the database number in the path: \(Self.form)"
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
