import Foundation
import IngestSync
import IngestTesting
import Testing

/// PathPattern against the real Python `re` that iRODS automated ingest users write for.
@Suite struct PathPatternPythonTests {
    @Test func handWrittenPatternsAgreeWithPython() throws {
        try expectAgreement(Self.handWrittenCases)
    }

    @Test func randomPatternsAgreeWithPython() throws {
        var generator = RandomPatterns(seed: 0x1E6E_57)
        let cases = (0..<4_000).map { _ in
            (pattern: generator.pattern(), texts: (0..<6).map { _ in generator.text() })
        }
        try expectAgreement(cases)
    }

    @Test func randomNoiseIsRefusedExactlyWhenPythonRefusesIt() throws {
        var generator = RandomPatterns(seed: 0xBAD_5EED)
        let cases = (0..<4_000).map { _ in (pattern: generator.noise(), texts: [generator.text(), generator.text()]) }
        try expectAgreement(cases)
    }

    /// Runs every pattern in Python and here; a pattern refused here for needing backtracking
    /// (or a feature left out on purpose) is skipped, every other answer must be equal.
    private func expectAgreement(_ cases: [(pattern: String, texts: [String])]) throws {
        let answers = try PythonRe.match(cases)
        var compared = 0
        for ((pattern, texts), python) in zip(cases, answers) {
            let ours: PathPattern
            do {
                ours = try PathPattern(pattern)
            } catch {
                guard error.kind == .invalidSyntax else { continue }
                #expect(python == nil, "Python accepts \(pattern.debugDescription); we say: \(error)")
                continue
            }
            guard let python else {
                Issue.record("Python refuses \(pattern.debugDescription); we accept it")
                continue
            }
            for (text, expected) in zip(texts, python) {
                compared += 1
                #expect(
                    ours.matchesPrefix(of: text) == expected,
                    "re.match(\(pattern.debugDescription), \(text.debugDescription)) is \(expected ? "a match" : "None") in Python")
            }
        }
        #expect(compared > cases.count / 2, "too few patterns were compared")
    }

    private static let readmePaths = [
        "/data/run1_exclude", "/data/excluded.txt", "/data/.hidden", "/data/notes.hidden", "/data/hidden.txt",
        "/data/keep.txt", "/data/raw/5", "/data/raw/55", "/data/raw/5\n", "/data/old", "/data/older/x",
        "/data/caf%E9", "/data/with space/ünïcödé.TXT", "",
    ]

    private static let unicodeTexts = [
        "İ", "i", "ı", "I", "K", "k", "\u{212A}", "ſ", "S", "ß", "ẞ", "٣", "\u{2003}x", "\u{1C}", "e\u{301}", "\n", "_", "µ", "μ",
    ]

    private static let handWrittenCases: [(pattern: String, texts: [String])] =
        [
            #"(\S+)exclude"#, #"(\S+)\.hidden"#, #"/data/raw/5$"#, #".*/keep\.txt"#, #".*/old$"#, "5", #"/data/.*\.txt$"#,
            #"(?i).*\.TXT"#, #"(?x) /data / raw # the raw tree"#, #".*/\w+\.\w+$"#, #"/data/[^/]+$"#, #"(?s).*\n"#,
            #"(?m)/data/raw/5$"#, #"\A/data\Z"#, #"/data/\b"#, #"/data/\B"#, #".*%[0-9A-F]{2}"#, #"/data/(?:raw|old)(/|$)"#,
            #"(?P<top>/\w+)/.*"#, #"/data/.{4,6}$"#, #"/data/.{,3}$"#, #"[/a-z]{6}"#, #"\x2fdata"#, #"\u002Fdata"#,
            #"\057data"#, #"[\057]data"#, #".*\.(?i:txt)$"#, #".*[ü]"#, #"(?a).*\w\W\w"#, #".*?hidden"#, #"(?i)/DATA/.*Ü"#,
            #"(?i)[^a-z/]"#, #"(?i)/data/(?-i:R)"#, "(?#comment)/data", "/data(?#c)*", #"(?x)/data\ /"#, #"\/data"#,
        ].map { (pattern: $0, texts: readmePaths) }
        + [
            "", "(?:)*", "()", "a{,}", "x{}", "x{,2}y", "a{1, 2}", "(?x)a{1, 2}", "[]a]", "[^]a]", "[a-]", #"[\]]"#, "[^]]",
            #"\B"#, #"\b"#, #"(\b)+"#, "(?x)[ ]", "(?x)a| b", "(?x)a#c\n*", "a(?#c)*", #"[\d\s]"#, #"[\1]"#, #"\08"#,
            "(?i)İ", "(?i)i", "(?i)ı", "(?i)[k]", "(?i)[a-z]", "(?i)[^k]", "(?i)ſ", "(?i)ß", "(?i)ẞ", "(?i)[ß]", "(?i)[ẞx]",
            "(?i)µ", "(?i)[μ_]", "(?ai)k", "(?ai)[i-k]", #"(?i)[\u0100-\U00010400]"#, #"\w+"#, #"\d"#, #"\s"#, #"\W"#,
            #"(?a)\w"#, #"(?a)\s"#, #"(?a)\b"#, "$", "a$", "(?m)a$", #"\Z"#, "(?s).", ".", "(?i)(?s)a", "(?x) (?i)a",
            "(?i:(?-i:a))", "(?x:a b)c d", "(?u)x", #"(?a:\w)(?u:\w)"#,
            // Refused by Python:
            "a{2}{3}", "^*", "a(?i)b", #"\x4g"#, "(?<n>a)", "(?u)(?a)x", "(?a)(?u)x", "(?au)x", "{1}", "a|*", "(?:", "[",
            "\\", "(?P<1a>x)", "(?", "(?-)", "(?i-i:a)", "(?-i)a", "(?-a:x)", "(?L)a", "[\\d-z]", "[a-\\d]", "a{3,2}",
            #"\400"#, #"[\400]"#, #"\U00110000"#, #"\q"#, #"[\q]"#, #"[\A]"#, "(?P>a)", "(?<a)", "a**", "a*?*", "(?#x",
            "[^]", "[]", #"\b+"#, "a{4294967295}",
        ].map { (pattern: $0, texts: unicodeTexts + ["", "a", "aa", "xxy", "a\n", "a\n\n", "x{}", "a{1, 2}", " b", "abc d"]) }
}

/// Answers from `python3`'s `re.match`.
private enum PythonRe {
    /// - Returns: for each pattern, nil when Python refuses it, else whether it matches each text.
    static func match(_ cases: [(pattern: String, texts: [String])]) throws -> [[Bool]?] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pathpattern-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("cases.json")
        try JSONSerialization.data(withJSONObject: cases.map { [$0.pattern, $0.texts] as [Any] }).write(to: input)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, input.path]
        let output = Pipe()
        process.standardOutput = output
        try ChildProcesses.launch(process)
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonFailed(reason: "python3 exited with \(process.terminationStatus); it must be on PATH")
        }
        guard let answers = try JSONSerialization.jsonObject(with: data) as? [Any], answers.count == cases.count else {
            throw PythonFailed(reason: "python3 gave an unreadable answer")
        }
        return answers.map { $0 as? [Bool] }
    }

    struct PythonFailed: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    private static let script = """
        import json, re, sys, warnings
        warnings.simplefilter("ignore")
        answers = []
        for pattern, texts in json.load(open(sys.argv[1], encoding="utf-8")):
            try:
                compiled = re.compile(pattern)
            except (re.error, OverflowError, ValueError, RecursionError):
                answers.append(None)
                continue
            answers.append([compiled.match(text) is not None for text in texts])
        json.dump(answers, sys.stdout)
        """
}

/// Patterns and texts over a small alphabet, so that random pairs often match, from a fixed seed
/// so that a failure can be replayed.
private struct RandomPatterns {
    private var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(state: seed) }

    private static let textScalars = ["a", "a", "b", "b", "/", "/", ".", "A", "1", " ", "\n", "_", "é", "K", "ı", "İ", "\u{2003}"]
    private static let atoms = [
        "a", "b", "/", #"\."#, ".", "[ab]", "[^a]", "[a-c]", "[^/]", #"\d"#, #"\w"#, #"\s"#, #"\S"#, #"\W"#, "[/.]", "A", "é",
        "[A-Z]", "[^\\w/]", "\\n", #"\x61"#,
    ]
    private static let anchors = ["^", "$", #"\A"#, #"\Z"#, #"\b"#, #"\B"#]
    private static let quantifiers = ["*", "+", "?", "{2}", "{1,}", "{0,2}", "{,2}", "*?", "+?", "??", "{1,3}?"]
    private static let flags = ["", "", "", "", "(?i)", "(?s)", "(?m)", "(?x)", "(?a)", "(?is)", "(?im)"]
    private static let noiseScalars = Array(#"ab.()[]{}*+?|\^$-,0123:<>=!#Pi"#).map(String.init)

    mutating func pattern() -> String {
        pick(Self.flags) + alternatives(depth: 0)
    }

    mutating func text() -> String {
        (0..<random.next(below: 9)).map { _ in pick(Self.textScalars) }.joined()
    }

    /// Any short string of syntax characters: mostly invalid, sometimes valid.
    mutating func noise() -> String {
        (0..<(1 + random.next(below: 8))).map { _ in pick(Self.noiseScalars) }.joined()
    }

    private mutating func alternatives(depth: Int) -> String {
        (0..<(1 + random.next(below: 3) / 2)).map { _ in sequence(depth: depth) }.joined(separator: "|")
    }

    private mutating func sequence(depth: Int) -> String {
        (0..<(1 + random.next(below: 4))).map { _ in item(depth: depth) }.joined()
    }

    private mutating func item(depth: Int) -> String {
        switch random.next(below: 10) {
        case 0 where depth < 3:
            let open = pick(["(", "(?:", "(?P<g\(depth)>", "(?i:", "(?-i:", "(?s:"])
            return open + alternatives(depth: depth + 1) + ")" + quantifier()
        case 1:
            return pick(Self.anchors)
        default:
            return pick(Self.atoms) + quantifier()
        }
    }

    private mutating func quantifier() -> String {
        random.next(below: 3) == 0 ? pick(Self.quantifiers) : ""
    }

    private mutating func pick(_ choices: [String]) -> String {
        choices[random.next(below: choices.count)]
    }
}

/// A small seeded generator, so that random tests replay.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    mutating func next(below bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }
}
