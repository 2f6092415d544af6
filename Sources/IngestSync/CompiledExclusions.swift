import IngestCore

/// Exclusion rules with their patterns compiled once per task.
struct CompiledExclusions: Sendable {
    private let fileTypes: Set<String>
    private let filePatterns: [PathPattern]
    private let directoryPatterns: [PathPattern]

    init(_ rules: ExclusionRules) throws {
        fileTypes = Set(rules.fileTypes)
        filePatterns = try rules.fileNamePatterns.map { try Self.compile($0, option: "--exclude_file_name") }
        directoryPatterns = try rules.directoryNamePatterns.map { try Self.compile($0, option: "--exclude_directory_name") }
    }

    /// Patterns are Python `re` patterns, run by `PathPattern` without backtracking: names come
    /// from anyone, and no name may keep a worker matching past a stop or a task timeout.
    static func compile(_ pattern: String, option: String) throws -> PathPattern {
        do {
            return try PathPattern(pattern)
        } catch {
            throw IngestError.invalidOption(name: option, reason: error.description)
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

    private static func anyMatches(_ patterns: [PathPattern], _ fullPath: () -> String) -> Bool {
        guard !patterns.isEmpty else { return false }
        let path = fullPath()
        return patterns.contains { $0.matchesPrefix(of: path) }
    }
}
