import Foundation
import IngestEngine

/// Markup for the dashboard, escaped by default: interpolating a `String` escapes it, so job names,
/// paths and error texts (user data) can only ever appear as text; interpolating `HTML` inserts
/// markup built the same way. Literal text is trusted: it is written in this module.
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String

    init(stringLiteral value: String) {
        text = value
    }

    init(stringInterpolation: StringInterpolation) {
        text = stringInterpolation.text
    }

    /// Markup from a string that was not escaped: only for text this module writes whole (the
    /// profile timeline, which escapes its own records).
    init(trusted text: String) {
        self.text = text
    }

    var description: String { text }

    static func += (lhs: inout HTML, rhs: HTML) {
        lhs.text += rhs.text
    }

    static func + (lhs: HTML, rhs: HTML) -> HTML {
        HTML(trusted: lhs.text + rhs.text)
    }

    struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) {
            text += literal
        }

        mutating func appendInterpolation(_ value: some StringProtocol) {
            text += HTML.escape(String(value))
        }

        mutating func appendInterpolation(_ html: HTML) {
            text += html.text
        }

        mutating func appendInterpolation(_ parts: [HTML]) {
            for part in parts { text += part.text }
        }

        mutating func appendInterpolation(_ value: some BinaryInteger) {
            text += String(value)
        }
    }

    /// Safe in element text and in double- or single-quoted attribute values.
    static func escape(_ text: String) -> String { HTMLText.escaped(text) }
}

/// Dashboard URLs: a path segment or query value from user data is percent-encoded, so a job
/// named `a/b?c` links to its own page and nothing else.
enum DashboardURL {
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static func job(_ name: String) -> String {
        "/jobs/\(encode(name))"
    }

    /// `path` with the query items that have a value, in the order given.
    static func with(_ path: String, _ items: [(String, String?)]) -> String {
        let query = items.compactMap { name, value in value.map { "\(name)=\(encode($0))" } }.joined(separator: "&")
        return query.isEmpty ? path : "\(path)?\(query)"
    }
}
