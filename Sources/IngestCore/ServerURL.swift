import Foundation

/// The parts every server URL shares (`scheme://[user[:password]@]host[:port][/path][?query]`),
/// split by one rule so that Redis and PostgreSQL URLs (and the S3 and SPARQL endpoints to come)
/// read a password, an IPv6 host or a port the same way. Each backend then reads its own path and
/// query and words the errors for its users.
public struct ServerURL: Sendable, Equatable {
    /// Lower-cased.
    public var scheme: String
    /// Percent-decoded; nil when the URL has no `@`.
    public var user: String?
    /// Percent-decoded; nil when the credentials have no `:`.
    public var password: String?
    /// Without the brackets of an IPv6 address.
    public var host: String
    public var port: Int?
    /// As written, from the `/` after the authority up to the query; may be empty.
    public var path: String
    /// As written, after the `?`; empty when there is none.
    public var query: String

    /// What is wrong with a URL, for the backend to word.
    public enum Problem: Error, Equatable, Sendable {
        case missingScheme
        /// A `#...`: never meaningful in a server URL, and a raw `#` in a password belongs as `%23`.
        case fragment
        /// A `/` before the last `@`: read literally, part of the password would become the host.
        case slashInCredentials
        case invalidPercentEncoding(part: String)
        case missingHost
        case unbracketedIPv6
        case unclosedIPv6
        case textAfterIPv6
        case invalidPort(String)
    }

    public init(parsing string: String) throws(Problem) {
        guard let schemeEnd = string.range(of: "://") else { throw .missingScheme }
        scheme = string[..<schemeEnd.lowerBound].lowercased()
        var rest = string[schemeEnd.upperBound...]

        // The credentials end at the last "@" before the path, since a raw "@" in a password is
        // more likely than one in a host name; the query and any fragment start after them, so a
        // raw "?" or "#" in a password never turns part of it into a parameter.
        let firstSlash = rest.firstIndex(of: "/") ?? rest.endIndex
        if let lastAt = rest.lastIndex(of: "@"), lastAt > firstSlash, !rest[firstSlash..<lastAt].contains("?") {
            throw .slashInCredentials
        }
        let afterCredentials = rest[..<firstSlash].lastIndex(of: "@").map { rest.index(after: $0) } ?? rest.startIndex
        if rest[afterCredentials...].contains("#") { throw .fragment }
        query = ""
        if let questionMark = rest[afterCredentials...].firstIndex(of: "?") {
            query = String(rest[rest.index(after: questionMark)...])
            rest = rest[..<questionMark]
        }

        let authorityEnd = rest[afterCredentials...].firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        path = String(rest[authorityEnd...])
        user = nil
        password = nil
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], part: "user")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], part: "password")
            } else {
                user = try Self.decode(userInfo, part: "user")
            }
        }

        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw .unclosedIPv6 }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let afterHost = authority[authority.index(after: close)...]
            if afterHost.isEmpty {
                portText = nil
            } else if afterHost.hasPrefix(":") {
                portText = afterHost.dropFirst()
            } else {
                throw .textAfterIPv6
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
            if host.contains(":") { throw .unbracketedIPv6 }
        } else {
            host = String(authority)
            portText = nil
        }
        guard !host.isEmpty else { throw .missingHost }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw .invalidPort(String(portText)) }
            port = value
        } else {
            port = nil
        }
    }

    /// Percent-decodes a part of the URL (credentials, a database name).
    public static func decode(_ text: Substring, part: String) throws(Problem) -> String {
        guard let decoded = String(text).removingPercentEncoding else { throw .invalidPercentEncoding(part: part) }
        return decoded
    }
}
