extension PathPattern {
    /// A parsed pattern, reduced to what decides whether a prefix matches: groups, names and
    /// laziness are gone, flags are folded into the leaves.
    indirect enum Node: Equatable, Sendable {
        case empty
        case scalar(ScalarTest)
        case assertion(Assertion)
        case sequence([Node])
        case alternatives([Node])
        /// `max` nil means unbounded.
        case repetition(Node, min: Int, max: Int?)
    }

    /// What one scalar of text must be.
    enum ScalarTest: Equatable, Sendable {
        /// A code point; a lone surrogate (`\ud800`) is a valid Python literal that no Swift text contains.
        case exactly(UInt32)
        case anyButNewline
        case any
        case member(ScalarClass)
    }

    /// A zero-width condition on the place between two scalars.
    enum Assertion: Equatable, Sendable {
        /// `\A`, and `^` without `(?m)`.
        case textStart
        /// `^` with `(?m)`.
        case lineStart
        /// `$` without `(?m)`: Python's `$` also matches just before a newline that ends the text.
        case textEndOrFinalNewline
        /// `$` with `(?m)`.
        case lineEnd
        /// `\Z`.
        case textEnd
        case wordBoundary(asciiOnly: Bool)
        case notWordBoundary(asciiOnly: Bool)
    }

    /// The inline flags in force at a point of the pattern.
    struct Flags: Equatable, Sendable {
        /// `(?i)`
        var ignoreCase = false
        /// `(?s)`: `.` also matches a newline.
        var dotMatchesNewline = false
        /// `(?m)`: `^` and `$` also match at line breaks.
        var multiline = false
        /// `(?x)`: whitespace and `#` comments in the pattern are ignored.
        var verbose = false
        /// `(?a)`: `\w \d \s \b` and case folding consider ASCII only.
        var asciiOnly = false
    }
}
