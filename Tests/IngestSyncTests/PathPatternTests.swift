import IngestCore
@testable import IngestSync
import Testing

/// Exclusion patterns: Python `re.match` answers in time linear in the name.
@Suite struct PathPatternTests {
    private static let manyAs = String(repeating: "a", count: 10_000)

    @Test(arguments: [
        // Issue 11 item 12: each of these backtracks for minutes or longer in a backtracking engine.
        (#"(a+)+$"#, String(repeating: "a", count: 22) + "!", false),
        (#"(a+)+$"#, String(repeating: "a", count: 23), true),
        (#"(a+)+$"#, manyAs + "!", false),
        (#"(a+)+$"#, manyAs, true),
        (#"(a|aa)*b"#, manyAs, false),
        (#"(a|aa)*b"#, manyAs + "b", true),
        (#"(.*)*x"#, manyAs, false),
        (#"(.*)*x"#, manyAs + "x", true),
        (#"(\S+)+\.hidden$"#, "/" + manyAs + ".hidde", false),
        (#"(a*)*(b*)*(a|b)*c"#, String(repeating: "ab", count: 5_000), false),
    ])
    func pathologicalPatternsFinishWithPythonsAnswer(_ pattern: String, _ name: String, _ matches: Bool) throws {
        #expect(try PathPattern(pattern).matchesPrefix(of: name) == matches)
    }

    @Test(arguments: [
        (#"(\S+)exclude"#, "/data/run1_exclude", true),
        (#"(\S+)exclude"#, "/data/excluded.txt", true),
        (#"(\S+)exclude"#, "/data/keep.txt", false),
        (#"(\S+)exclude"#, "/data/my exclude", false),
        (#"(\S+)\.hidden"#, "/data/.hidden", true),
        (#"(\S+)\.hidden"#, "/data/notes.hidden", true),
        (#"(\S+)\.hidden"#, "/data/hidden.txt", false),
        (#"/data/raw/5$"#, "/data/raw/5", true),
        (#"/data/raw/5$"#, "/data/raw/5\n", true),
        (#"/data/raw/5$"#, "/data/raw/55", false),
        (#"5"#, "/data/raw/5", false),
        (#"(?i)/DATA/.*\.TMP$"#, "/data/x/file.tmp", true),
    ])
    func readmeExamplesMatchFromTheStartOfThePath(_ pattern: String, _ path: String, _ matches: Bool) throws {
        #expect(try PathPattern(pattern).matchesPrefix(of: path) == matches)
    }

    @Test(arguments: [
        (#"(a)\1"#, #"\1"#),
        (#"(?P<x>a)(?P=x)"#, "(?P=x)"),
        (#"a(?=b)"#, "lookahead"),
        (#"a(?!b)"#, "lookahead"),
        (#"(?<=a)b"#, "lookbehind"),
        (#"(?<!a)b"#, "lookbehind"),
        (#"(a)?(?(1)b|c)"#, "conditional"),
        (#"(?>a+)b"#, "atomic"),
        (#"a*+b"#, "possessive"),
        (#"a{2,3}+"#, "possessive"),
    ])
    func featuresThatNeedBacktrackingAreRefused(_ pattern: String, _ feature: String) {
        let error = #expect(throws: PathPatternError.self) { try PathPattern(pattern) }
        #expect(error?.kind == .needsBacktracking)
        #expect(error?.description.contains(pattern) == true)
        #expect(error?.description.contains(feature) == true)
    }

    @Test(arguments: [
        ("(unclosed", "missing ), unterminated subpattern"),
        ("a)", "unbalanced parenthesis"),
        ("[a-", "unterminated character set"),
        ("[z-a]", "bad character range z-a"),
        ("*a", "nothing to repeat"),
        ("^*", "nothing to repeat"),
        ("a**", "multiple repeat"),
        ("a{3,2}", "min repeat greater than max repeat"),
        (#"\q"#, #"bad escape \q"#),
        (#"\x4"#, #"incomplete escape \x4"#),
        ("a(?i)b", "global flags not at the start of the expression"),
        ("(?P<a>x)(?P<a>y)", "redefinition of group name 'a'"),
        ("(?<name>x)", "unknown extension ?<n"),
    ])
    func invalidSyntaxIsRefusedWithPythonsReason(_ pattern: String, _ reason: String) {
        let error = #expect(throws: PathPatternError.self) { try PathPattern(pattern) }
        #expect(error?.kind == .invalidSyntax)
        #expect(error?.description.contains("'\(pattern)'") == true)
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func countedRepetitionsPastTheProgramLimitAreRefused() throws {
        for pattern in ["a{20001}", "(a{1000}){1000}", "(?:ab|cd){0,10000}", "a{4294967294}"] {
            let error = #expect(throws: PathPatternError.self) { try PathPattern(pattern) }
            #expect(error?.kind == .tooLarge, "\(pattern)")
        }
        #expect(try PathPattern("a{19999}").matchesPrefix(of: String(repeating: "a", count: 19_999)))
    }

    @Test func refusedPatternsNameTheOptionTheyCameFrom() {
        let rules = ExclusionRules(fileNamePatterns: [#"(\S+)exclude"#], directoryNamePatterns: [#"(a)\1"#])
        do {
            _ = try CompiledExclusions(rules)
            Issue.record("a backreference was accepted")
        } catch let error as IngestError {
            guard case .invalidOption(let name, let reason) = error else {
                Issue.record("\(error) is not invalidOption")
                return
            }
            #expect(name == "--exclude_directory_name")
            #expect(reason.contains(#"'(a)\1'"#) && reason.contains("backreference"), "\(reason)")
        } catch {
            Issue.record("\(error) is not an IngestError")
        }
    }

    @Test func exclusionsMatchFullPathsWithTheCompiledPatterns() throws {
        let exclusions = try CompiledExclusions(
            ExclusionRules(fileNamePatterns: [#"(\S+)\.hidden"#], directoryNamePatterns: [#".*/old$"#]))
        #expect(exclusions.excludesFile("/data/notes.hidden"))
        #expect(!exclusions.excludesFile("/data/hidden.txt"))
        #expect(exclusions.excludesDirectory("/data/old"))
        #expect(!exclusions.excludesDirectory("/data/older"))
    }
}
