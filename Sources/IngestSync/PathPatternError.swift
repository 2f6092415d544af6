/// Why a pattern was not compiled; the description names the pattern, the problem and the fix.
public struct PathPatternError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable {
        /// Not valid Python `re` syntax.
        case invalidSyntax
        /// Valid in Python, but needs a backtracking matcher.
        case needsBacktracking
        /// Valid in Python, but not supported here for another reason.
        case unsupported
        /// The compiled program would pass `PathPattern.maximumProgramSize`.
        case tooLarge
    }

    public let kind: Kind
    /// The pattern as written.
    public let pattern: String
    /// Where the problem starts, counted in Unicode scalars from 0 like Python's error positions.
    public let position: Int
    /// What is wrong, e.g. `missing ), unterminated subpattern` or `a backreference (\1)`.
    public let problem: String
    /// What to write instead.
    public let fix: String

    public var description: String {
        switch kind {
        case .invalidSyntax:
            "'\(pattern)' is not a valid regular expression: \(problem) at position \(position); \(fix)"
        case .needsBacktracking:
            "'\(pattern)' uses \(problem) at position \(position), which needs a backtracking matcher; patterns are "
                + "matched without backtracking so that no name can stall a worker: \(fix)"
        case .unsupported:
            "'\(pattern)' uses \(problem) at position \(position), which is not supported: \(fix)"
        case .tooLarge:
            "'\(pattern)' is too large: \(problem); \(fix)"
        }
    }
}
