/// A regular expression in Python `re` syntax, matched like Python's `re.match`: from the start
/// of the text, not necessarily to its end.
///
/// Patterns come from users and paths from anyone, so a match must always end quickly. The pattern
/// is compiled to a Thompson NFA and run as a set of states, never backtracking: a match costs at
/// most (text length x program size) steps, whatever the pattern and the text. Features that only
/// a backtracking engine offers (backreferences, lookaround, conditionals, atomic groups,
/// possessive quantifiers) are refused when the pattern is compiled, as are patterns whose
/// program, with counted repetitions written out, would pass `maximumProgramSize`.
public struct PathPattern: Sendable, CustomStringConvertible {
    /// The most instructions a pattern may compile to: `a{1000}` takes 1000, so this bounds
    /// both the memory of a pattern and the cost of each scalar of text.
    public static let maximumProgramSize = 20_000

    /// The pattern as the user wrote it.
    public let source: String
    let program: Program

    /// Compiles a pattern.
    /// - Parameter source: a pattern in Python `re` syntax, inline flags `(?aimsx)` included.
    /// - Throws: `PathPatternError` naming the problem, where it is, and what to write instead.
    public init(_ source: String) throws(PathPatternError) {
        var parser = Parser(source)
        let tree = try parser.parsePattern()
        program = try Program(compiling: tree, pattern: source)
        self.source = source
    }

    /// Whether the pattern matches at the start of `text`, as `re.match(pattern, text) is not None`
    /// does in Python: positions are Unicode scalars, as in a Python `str`.
    /// - Parameter text: typically an entry's full absolute path.
    /// - Returns: true when some prefix of `text`, possibly empty, matches.
    public func matchesPrefix(of text: String) -> Bool {
        program.matchesPrefix(of: text.unicodeScalars)
    }

    public var description: String { source }
}
