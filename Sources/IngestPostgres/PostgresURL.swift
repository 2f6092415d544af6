import Foundation
import IngestCore

/// Where a PostgreSQL server is and how to log in to it, parsed from
/// `postgres://user[:password]@host[:port][/database][?sslmode=MODE]` (or `postgresql://`).
///
/// Parsed by hand, like `RedisURL`, so that every error can show the URL with its password
/// masked and so that IPv6 hosts and percent-encoded credentials behave the same everywhere.
public struct PostgresURL: Sendable, Equatable {
    /// The port PostgreSQL listens on unless told otherwise.
    public static let defaultPort = 5432

    /// How much TLS to insist on, with libpq's names for the same choices.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS or no connection, without checking the certificate.
        case require
        /// TLS with the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    /// Host name or IP address; an IPv6 address is stored without its brackets.
    public var host: String
    public var port: Int
    public var username: String
    /// `nil` when the server needs no password (trust or peer authentication).
    public var password: String?
    /// The database; PostgreSQL's convention is a database named like the user when omitted.
    public var database: String
    public var tls: TLSMode

    public init(
        host: String, port: Int = PostgresURL.defaultPort, username: String, password: String? = nil,
        database: String? = nil, tls: TLSMode = .prefer
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database ?? username
        self.tls = tls
    }

    private static let form = "postgres://user[:password]@host[:port]/database"

    /// Parses a PostgreSQL URL.
    ///
    /// User, password and database may be percent-encoded, so that a password containing `@`,
    /// `:` or `/` can be written (`%40`, `%3A`, `%2F`).
    /// - Parameter string: The URL, for example `postgres://ingest:secret@db.internal:5432/ingest`.
    /// - Throws: `IngestError.invalidURL` with the URL (password masked) and how to write it.
    public init(parsing string: String) throws(IngestError) {
        let masked = Self.mask(string)
        func invalid(_ reason: String) -> IngestError { .invalidURL(masked, reason: reason) }
        // The scheme first: a URL of another service is answered as such, whatever else is wrong.
        if let schemeEnd = string.range(of: "://"), !["postgres", "postgresql"].contains(string[..<schemeEnd.lowerBound].lowercased()) {
            throw invalid("scheme '\(string[..<schemeEnd.lowerBound].lowercased())' is not PostgreSQL; write \(Self.form) (or postgresql://)")
        }
        let parts: ServerURL
        do {
            parts = try ServerURL(parsing: string)
        } catch {
            throw invalid(Self.reason(for: error))
        }
        guard let user = parts.user, !user.isEmpty else { throw invalid("it names no user; write \(Self.form)") }
        username = user
        password = parts.password
        host = parts.host
        port = parts.port ?? Self.defaultPort

        let path = parts.path.dropFirst()
        guard !path.contains("/") else {
            throw invalid("its path must be one database name; write \(Self.form)")
        }
        let databaseName: String
        do {
            databaseName = try ServerURL.decode(path, part: "database")
        } catch {
            throw invalid(Self.reason(for: error))
        }
        database = databaseName.isEmpty ? username : databaseName
        tls = try Self.tlsMode(query: parts.query, invalid: invalid)
    }

    /// libpq's `sslmode`, the one query parameter.
    private static func tlsMode(query: String, invalid: (String) -> IngestError) throws(IngestError) -> TLSMode {
        var tls = TLSMode.prefer
        for parameter in query.split(separator: "&") where !parameter.isEmpty {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = pair[0]
            let value = pair.count > 1 ? pair[1] : ""
            guard name == "sslmode" else {
                throw invalid("parameter '\(name)' is not supported; the only parameter is sslmode=disable|prefer|require|verify-full")
            }
            guard let mode = TLSMode(rawValue: String(value)) else {
                throw invalid("sslmode '\(value)' is not supported; use disable, prefer, require or verify-full")
            }
            tls = mode
        }
        return tls
    }

    /// A problem of the shared URL rule, in a PostgreSQL user's words.
    private static func reason(for problem: ServerURL.Problem) -> String {
        switch problem {
        case .missingScheme: "a PostgreSQL catalog URL looks like \(form)"
        case .fragment: "it has a fragment ('#...'); remove it, and percent-encode a '#' in a password as %23"
        case .slashInCredentials: "it has a '/' before its last '@'; percent-encode '/' in the user or password as %2F, and '@' in the database name as %40"
        case .invalidPercentEncoding(let part): "its \(part) has invalid percent-encoding; encode special characters as %XX (for example '@' as %40)"
        case .missingHost: "it names no host; write \(form)"
        case .unbracketedIPv6: "write IPv6 addresses in brackets: postgres://user@[::1]:5432/database"
        case .unclosedIPv6: "its IPv6 host has no closing ']'; write postgres://user@[::1]:5432/database"
        case .textAfterIPv6: "text follows its IPv6 host; write postgres://user@[::1]:5432/database"
        case .invalidPort(let port): "port '\(port)' is not a number from 1 to 65535"
        }
    }

    /// The URL with the password replaced by `***`, for logs and error messages.
    public var redacted: String {
        var text = "postgres://" + (username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username)
        if password != nil { text += ":***" }
        text += "@" + (host.contains(":") ? "[\(host)]" : host)
        text += ":\(port)/" + (database.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? database)
        return tls == .prefer ? text : text + "?sslmode=\(tls.rawValue)"
    }

    /// The server without credentials (`host:port/database`), for messages about the server itself.
    public var server: String {
        (host.contains(":") ? "[\(host)]" : host) + ":\(port)/\(database)"
    }

    /// Masks whatever sits where the password would be in a URL that may not parse, and the values
    /// of password-like query parameters, so that no error message ever repeats a secret.
    static func mask(_ string: String) -> String {
        URLMasking.masked(string)
    }
}

extension PostgresURL: CustomStringConvertible {
    /// The redacted form: a URL is printed in logs far more often than it is needed verbatim.
    public var description: String { redacted }
}
