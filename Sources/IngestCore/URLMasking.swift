/// Hides secrets in what a user gave as a broker, catalog or graph-store URL, for every message
/// that repeats it. The value may not parse (that is often why it is repeated), so this works on
/// the text and masks too much rather than too little.
public enum URLMasking {
    /// What stands in for a hidden secret.
    public static let mask = "***"

    /// Query parameters whose value is a secret, matched on their lower-cased name.
    private static let secretParameterWords = ["password", "passwd", "pwd", "secret", "token"]

    /// Whether `text` looks like a URL, `scheme://...` or `sqlite:PATH`: only such a value is ever
    /// repeated. Anything else (a bare password pasted into the wrong option) is described by
    /// `describe(_:)` without its text.
    public static func isRecognisable(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic,
              scheme.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0)) })
        else { return false }
        let rest = text[text.index(after: colon)...]
        return rest.hasPrefix("//") || scheme.lowercased() == "sqlite" || scheme.lowercased() == "file"
    }

    /// `text` with the password of its user information and the values of password-like query
    /// parameters (`password=`, `token=`, ...) replaced by `***`.
    ///
    /// The user information runs to the last `@` of the whole text, not to the first `/`: a password
    /// may hold a raw `/`, `?` or `#`, which end the authority for a parser but must not end the
    /// masking. Without a `:` the whole user information may be a password (`redis://secret@host`).
    public static func masked(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else {
            // `scheme:user:password@host` and other forms without `//`: hide what precedes the `@`.
            guard let at = text.lastIndex(of: "@"), let colon = text.firstIndex(of: ":"), colon < at else {
                return maskingQuery(text)
            }
            return String(text[...colon]) + mask + String(text[at...])
        }
        let rest = text[schemeEnd.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return maskingQuery(text) }
        let userInfo = rest[..<at]
        let user = userInfo.firstIndex(of: ":").map { String(userInfo[..<$0]) + ":" } ?? ""
        return String(text[..<schemeEnd.upperBound]) + user + mask + maskingQuery(String(rest[at...]))
    }

    /// What a message may say about a value given where a URL was expected: the masked URL in
    /// quotes, or, for a value that is not recognisably a URL (perhaps a password itself), only its length.
    public static func describe(_ text: String) -> String {
        isRecognisable(text) ? "'\(masked(text))'" : "a value of \(text.count) characters that is not a URL (not shown)"
    }

    private static func maskingQuery(_ text: String) -> String {
        guard let question = text.firstIndex(of: "?") else { return text }
        let query = text[text.index(after: question)...]
        var result = String(text[...question])
        var first = true
        for parameter in query.split(separator: "&", omittingEmptySubsequences: false) {
            if !first { result += "&" }
            first = false
            guard let equals = parameter.firstIndex(of: "=") else {
                result += parameter
                continue
            }
            let name = parameter[..<equals].lowercased()
            if secretParameterWords.contains(where: { name.contains($0) }) || name == "pass" {
                result += parameter[...equals] + mask
            } else {
                result += parameter
            }
        }
        return result
    }
}
