import IngestCore

/// Exclusion rules with their patterns compiled once per task.
struct CompiledExclusions: @unchecked Sendable {
    private let fileTypes: Set<String>
    private let filePatterns: [Regex<AnyRegexOutput>]
    private let directoryPatterns: [Regex<AnyRegexOutput>]

    init(_ rules: ExclusionRules) throws {
        fileTypes = Set(rules.fileTypes)
        filePatterns = try rules.fileNamePatterns.map { try Self.compile($0, option: "--exclude_file_name") }
        directoryPatterns = try rules.directoryNamePatterns.map { try Self.compile($0, option: "--exclude_directory_name") }
    }

    static func compile(_ pattern: String, option: String) throws -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern)
        } catch {
            throw IngestError.invalidOption(name: option, reason: "'\(pattern)' is not a valid regular expression (\(error))")
        }
    }

    func excludes(type: ListedEntry.FileType) -> Bool {
        !fileTypes.isEmpty && fileTypes.contains(type.rawValue)
    }

    /// Like Python's `re.match`: a match must start at the beginning of the path.
    func excludesFile(_ fullPath: @autoclosure () -> String) -> Bool {
        Self.anyMatches(filePatterns, fullPath)
    }

    func excludesDirectory(_ fullPath: @autoclosure () -> String) -> Bool {
        Self.anyMatches(directoryPatterns, fullPath)
    }

    private static func anyMatches(_ patterns: [Regex<AnyRegexOutput>], _ fullPath: () -> String) -> Bool {
        guard !patterns.isEmpty else { return false }
        let path = fullPath()
        return patterns.contains { (try? $0.prefixMatch(in: path)) != nil }
    }
}
