import Foundation
import IngestCore
import IngestSync
import Testing

/// `--policy policy.yaml`: ordered rules, the first match wins, and every mistake in the file is
/// refused when it is read, with its line and the fix.
@Suite struct YAMLPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)
    static let day: Int64 = 86_400
    let job = PolicyJob(
        name: "nightly", root: "/data", target: "/tempZone/home/rods/data", operation: .registerSync, resource: nil, deleteMode: .doNotDelete)

    static func file(_ path: String, size: Int64 = 100, mtime: Int64 = 1_700_000_000, link: Bool = false) -> PolicyEntry {
        PolicyEntry(path: path, target: "/tempZone/home/rods" + path, size: size, mtimeNanos: mtime * 1_000_000_000, isLink: link)
    }

    static func directory(_ path: String, link: Bool = false) -> PolicyEntry {
        PolicyEntry(path: path, target: "/tempZone/home/rods" + path, size: 4096, isLink: link, entryType: .directory)
    }

    private func policy(_ text: String) throws -> YAMLPolicy {
        try YAMLPolicy(text: text, filename: "policy.yaml", now: { Self.now })
    }

    private func decide(_ text: String, _ entries: [PolicyEntry]) async throws -> [EntryDecision] {
        try await policy(text).decide(entries, job: job)
    }

    /// The reason `--policy` is refused, or nil when the text is accepted.
    private func refusal(_ text: String) -> String? {
        do {
            _ = try policy(text)
            return nil
        } catch IngestError.invalidOption(let name, let reason) where name == "--policy" {
            return reason
        } catch {
            return "not an --policy option error: \(error)"
        }
    }

    // MARK: Match keys

    @Test(arguments: [
        // path: a glob on the full source path; `**` is any number of whole elements.
        (#"path: "**/scratch/**""#, file("/data/a/scratch/x.txt"), true),
        (#"path: "**/scratch/**""#, file("/data/scratch/deep/er/x"), true),
        (#"path: "**/scratch/**""#, file("/data/scratchy/x.txt"), false),
        (#"path: "/data/*.txt""#, file("/data/a.txt"), true),
        (#"path: "/data/*.txt""#, file("/data/sub/a.txt"), false),
        (#"path: "/data/**/*.txt""#, file("/data/a.txt"), true),
        (#"path: "/data/**/*.txt""#, file("/data/x/y/a.txt"), true),
        (#"path: "/data/**/*.txt""#, file("/data/x/y/a.txt.gz"), false),
        (#"path: "/data/run?/[a-c]*.dat""#, file("/data/run1/b7.dat"), true),
        (#"path: "/data/run?/[a-c]*.dat""#, file("/data/run10/b7.dat"), false),
        (#"path: "/data/run?/[a-c]*.dat""#, file("/data/run1/d7.dat"), false),
        (#"path: "/data/[!x]*""#, file("/data/y1"), true),
        (#"path: "/data/[!x]*""#, file("/data/x1"), false),
        (#"path: "/data/?.txt""#, file("/data/é.txt"), true),
        // path_regex: Python re.match, anchored at the start of the path like --exclude_file_name.
        (#"path_regex: '/data/raw/'"#, file("/data/raw/x"), true),
        (#"path_regex: 'raw/'"#, file("/data/raw/x"), false),
        (#"path_regex: '.*/raw/.*\.dat$'"#, file("/data/a/raw/x.dat"), true),
        // name: a glob on the last element.
        (#"name: "*.fits""#, file("/data/a/b.fits"), true),
        (#"name: "*.fits""#, file("/data/a.fits/b.txt"), false),
        (#"name: "[Rr]eadme*""#, file("/data/README"), false),
        (#"name: "[Rr]eadme*""#, file("/data/readme.md"), true),
        // name_regex: re.match at the start of the name.
        (#"name_regex: '^\.'"#, file("/data/.hidden"), true),
        (#"name_regex: '\.'"#, file("/data/a.hidden"), false),
        (#"name_regex: '.*\.tmp$'"#, file("/data/a.tmp"), true),
        // extension: case-insensitive, one or a list, after something that is not a dot.
        ("extension: [fits, fit]", file("/data/X.FITS"), true),
        ("extension: [fits, fit]", file("/data/a.fit"), true),
        ("extension: [fits, fit]", file("/data/.fits"), false),
        ("extension: [fits, fit]", file("/data/a.fitsx"), false),
        ("extension: tar.gz", file("/data/a.tar.gz"), true),
        ("extension: .gz", file("/data/a.tar.gz"), true),
        ("extension: gz", file("/data/agz"), false),
        // size: comparisons and ranges, decimal and binary units.
        (#"size: ">= 1MiB""#, file("/data/a", size: 1_048_576), true),
        (#"size: ">= 1MiB""#, file("/data/a", size: 1_048_575), false),
        (#"size: "< 10GB""#, file("/data/a", size: 9_999_999_999), true),
        (#"size: "< 10GB""#, file("/data/a", size: 10_000_000_000), false),
        ("size: {min: 1KB, max: 2 KB}", file("/data/a", size: 1000), true),
        ("size: {min: 1KB, max: 2 KB}", file("/data/a", size: 2000), true),
        ("size: {min: 1KB, max: 2 KB}", file("/data/a", size: 2001), false),
        ("size: {min: 1KB, max: 2 KB}", file("/data/a", size: 999), false),
        ("size: 0", file("/data/a", size: 0), true),
        ("size: 0", file("/data/a", size: 1), false),
        (#"size: "!= 0""#, file("/data/a", size: 1), true),
        (#"size: "> 1.5kib""#, file("/data/a", size: 1537), true),
        (#"size: "> 1.5kib""#, file("/data/a", size: 1536), false),
        // age: now minus mtime.
        (#"age: "> 30d""#, file("/data/a", mtime: 1_750_000_000 - 31 * day), true),
        (#"age: "> 30d""#, file("/data/a", mtime: 1_750_000_000 - 29 * day), false),
        (#"age: "<= 2w""#, file("/data/a", mtime: 1_750_000_000 - 14 * day), true),
        ("age: {min: 1h, max: 90m}", file("/data/a", mtime: 1_750_000_000 - 4000), true),
        ("age: {min: 1h, max: 90m}", file("/data/a", mtime: 1_750_000_000 - 3599), false),
        ("age: {min: 1h, max: 90m}", file("/data/a", mtime: 1_750_000_000 - 5401), false),
        // type: without it a rule is for what syncs as a file; directories must be named.
        (#"path: "/data/**""#, directory("/data/sub"), false),
        ("type: directory", directory("/data/sub"), true),
        ("type: directory", file("/data/sub"), false),
        ("type: file", file("/data/a"), true),
        ("type: file", directory("/data/sub"), false),
        ("type: file", file("/data/a", link: true), true),
        ("type: link", file("/data/a", link: true), true),
        ("type: link", directory("/data/sub", link: true), true),
        ("type: link", file("/data/a"), false),
        ("type: [file, directory]", directory("/data/sub"), true),
    ])
    func eachMatchKeyMatchesWhatItSays(_ match: String, _ entry: PolicyEntry, _ matches: Bool) async throws {
        let decisions = try await decide("rules:\n  - match: {\(match)}\n    exclude: true\n", [entry])
        #expect(decisions == [matches ? EntryDecision(excluded: true) : .jobDefault])
    }

    @Test func everyGivenKeyMustMatch() async throws {
        let text = """
            rules:
              - match: {extension: fits, size: ">= 1MiB"}
                resource: archive
            """
        let entries = [Self.file("/data/big.fits", size: 2 << 20), Self.file("/data/small.fits"), Self.file("/data/big.txt", size: 2 << 20)]
        let decisions = try await decide(text, entries)
        #expect(decisions.map(\.resource) == ["archive", nil, nil])
    }

    // MARK: Order and default

    @Test func theFirstMatchingRuleWins() async throws {
        let rules = [
            "  - match: {extension: fits}\n    resource: fast\n",
            "  - match: {path: \"/data/**\"}\n    resource: slow\n",
        ]
        let entries = [Self.file("/data/a.fits"), Self.file("/data/a.txt")]
        #expect(try await decide("rules:\n" + rules[0] + rules[1], entries).map(\.resource) == ["fast", "slow"])
        #expect(try await decide("rules:\n" + rules[1] + rules[0], entries).map(\.resource) == ["slow", "slow"])
    }

    @Test func aRuleThatSaysNothingIsAnExceptionToLaterRules() async throws {
        let text = """
            rules:
              - match: {name: keep.tmp}
              - match: {extension: tmp}
                exclude: true
            """
        let decisions = try await decide(text, [Self.file("/data/keep.tmp"), Self.file("/data/drop.tmp")])
        #expect(decisions == [.jobDefault, EntryDecision(excluded: true)])
    }

    @Test func defaultDecidesFilesNoRuleMatchesButNotDirectories() async throws {
        let text = """
            rules:
              - match: {extension: fits}
                operation: PUT_SYNC
              - match: {type: directory, name: cache}
                exclude: true
            default:
              operation: REGISTER_SYNC
              resource: slow
            """
        let entries = [Self.file("/data/a.fits"), Self.file("/data/a.txt"), Self.directory("/data/sub"), Self.directory("/data/cache")]
        let decisions = try await decide(text, entries)
        #expect(decisions == [
            EntryDecision(operation: .putSync),
            EntryDecision(operation: .registerSync, resource: "slow"),
            .jobDefault,
            EntryDecision(excluded: true),
        ])
    }

    @Test func withoutDefaultUnmatchedEntriesKeepTheJobsSettings() async throws {
        let decisions = try await decide("rules:\n  - match: {extension: fits}\n    resource: fast\n", [Self.file("/data/a.txt")])
        #expect(decisions == [.jobDefault])
    }

    // MARK: Actions

    @Test func actionKeysFillTheDecision() async throws {
        let text = """
            rules:
              - match: {name: "*"}
                operation: Operation.put_sync
                resource: archive
                owner: alice
                target_path: "/mnt/archive/{relative}"
                metadata:
                  - {name: instrument, value: "{stem}", units: ""}
                  - {name: bytes, value: "{size}", units: B}
                max_retries: 3
                delay: 2.5
                timeout: 10m
            """
        let decisions = try await decide(text, [Self.file("/data/run1/cam.fits", size: 42)])
        #expect(decisions == [
            EntryDecision(
                operation: .putSync, resource: "archive", physicalPath: "/mnt/archive/run1/cam.fits", owner: "alice",
                metadata: [MetadataTriple(attribute: "instrument", value: "cam"), MetadataTriple(attribute: "bytes", value: "42", units: "B")],
                maxRetries: 3, delay: 2.5, timeout: 600),
        ])
    }

    @Test(arguments: [("timeout: 600", 600.0), ("timeout: 1.5h", 5400), ("timeout: 90s", 90), ("delay: 0", 0), ("delay: 1w", 604_800)])
    func durationsAreSecondsOrAmountsWithUnits(_ line: String, _ seconds: Double) async throws {
        let decision = try #require(try await decide("default:\n  \(line)\n", [Self.file("/data/a")]).first)
        #expect((decision.timeout ?? decision.delay) == seconds)
    }

    @Test func excludeFalseDecidesNothing() async throws {
        let decisions = try await decide("rules:\n  - match: {name: a}\n    exclude: false\n    resource: r\n", [Self.file("/data/a")])
        #expect(decisions == [EntryDecision(resource: "r")])
    }

    @Test func capabilitiesNameDirectoriesOnlyWhenARuleCanMatchThem() throws {
        let files = try policy("rules:\n  - match: {path: \"/data/**\"}\n    exclude: true\n")
        #expect(files.capabilities == PolicyCapabilities(decidesFiles: true))
        let directories = try policy("rules:\n  - match: {type: [file, directory], name: scratch}\n    exclude: true\n")
        #expect(directories.capabilities == PolicyCapabilities(decidesFiles: true, namesDirectories: true))
        let links = try policy("rules:\n  - match: {type: link}\n    exclude: true\n")
        #expect(links.capabilities.namesDirectories)
    }

    @Test func ageIsMeasuredAgainstTheInjectedClock() async throws {
        let text = "rules:\n  - match: {age: \"> 1d\"}\n    exclude: true\n"
        let entry = Self.file("/data/a", mtime: 1_000_000)
        let early = try YAMLPolicy(text: text, filename: "p.yaml", now: { Date(timeIntervalSince1970: 1_000_000 + 86_000) })
        let late = try YAMLPolicy(text: text, filename: "p.yaml", now: { Date(timeIntervalSince1970: 1_000_000 + 87_000) })
        #expect(try await early.decide([entry], job: job) == [.jobDefault])
        #expect(try await late.decide([entry], job: job) == [EntryDecision(excluded: true)])
    }

    // MARK: Templates

    @Test(arguments: [
        ("{path}", "/data/run1/cam.v2.fits"),
        ("{relative}", "run1/cam.v2.fits"),
        ("{root}", "/data"),
        ("{job}", "nightly"),
        ("{target}", "/tempZone/home/rods/data/run1/cam.v2.fits"),
        ("{collection}", "/tempZone/home/rods/data/run1"),
        ("{name}", "cam.v2.fits"),
        ("{stem}", "cam.v2"),
        ("{ext}", "fits"),
        ("{size}", "1234"),
        ("{mtime}", "2024-02-29T13:05:09Z"),
        ("{mtime:%Y/%m/%d}", "2024/02/29"),
        ("{mtime:%H:%M:%S}", "13:05:09"),
        ("{mtime:day %j of %Y, 100%%}", "day 060 of 2024, 100%"),
        ("{{literal}} {name}", "{literal} cam.v2.fits"),
        ("no placeholders", "no placeholders"),
    ])
    func templatesRenderTheEntry(_ template: String, _ expected: String) async throws {
        let text = "default:\n  metadata: [{name: n, value: '\(template)'}]\n"
        let entry = Self.file("/data/run1/cam.v2.fits", size: 1234, mtime: 1_709_211_909)
        let decision = try #require(try await decide(text, [entry]).first)
        #expect(decision.metadata == [MetadataTriple(attribute: "n", value: expected)])
    }

    @Test(arguments: [
        ("/data/.bashrc", "{stem}|{ext}", ".bashrc|"),
        ("/data/archive.tar.gz", "{stem}|{ext}", "archive.tar|gz"),
        ("/data/trailing.", "{stem}|{ext}", "trailing.|"),
        ("/data/noext", "{stem}|{ext}", "noext|"),
        ("/data", "[{relative}]", "[]"),
    ])
    func stemAndExtensionSplitLikePathlib(_ path: String, _ template: String, _ expected: String) async throws {
        let text = "default:\n  metadata: [{name: n, value: '\(template)'}]\n"
        let decision = try #require(try await decide(text, [Self.file(path)]).first)
        #expect(decision.metadata.first?.value == expected)
    }

    @Test(arguments: [
        (Int64(-1), "1969-12-31T23:59:59Z|365"),
        (0, "1970-01-01T00:00:00Z|001"),
        (1_703_980_800, "2023-12-31T00:00:00Z|365"),
        (951_782_400, "2000-02-29T00:00:00Z|060"),
        (4_107_542_400, "2100-03-01T00:00:00Z|060"),
    ])
    func mtimeIsFormattedInUTC(_ seconds: Int64, _ expected: String) async throws {
        let text = "default:\n  metadata: [{name: n, value: '{mtime}|{mtime:%j}'}]\n"
        let decision = try #require(try await decide(text, [Self.file("/data/a", mtime: seconds)]).first)
        #expect(decision.metadata.first?.value == expected)
    }

    // MARK: Errors

    @Test(arguments: [
        // Unknown keys: named, with their line, the closest allowed key and the list.
        ("rule:\n  - match: {name: a}\n", 1, ["unknown key 'rule' at the top level", "did you mean 'rules'?", "rules, default"]),
        (
            "rules:\n  - match:\n      extention: fits\n    exclude: true\n", 3,
            [
                "unknown key 'extention' in 'rules[0].match'", "did you mean 'extension'?",
                "path, path_regex, name, name_regex, extension, size, age, type",
            ]
        ),
        ("rules:\n  - match: {name: a}\n    max-retries: 3\n", 3, ["unknown key 'max-retries' in 'rules[0]'", "did you mean 'max_retries'?"]),
        ("rules:\n  - match: {name: a}\n    metadata:\n      - {name: a, value: b, unit: m}\n", 4, ["unknown key 'unit'", "did you mean 'units'?"]),
        ("rules:\n  - match: {name: a}\n    frobnicate: 1\n", 3, ["unknown key 'frobnicate'", "the keys allowed there are match, operation"]),
        // Keys in the wrong place.
        ("rules:\n  - match: {name: a}\n    extension: fits\n", 3, ["'extension' in 'rules[0]' is a match key; indent it under this rule's match:"]),
        ("rules:\n  - match: {name: a, resource: r}\n", 2, ["'resource' in 'rules[0].match' says what to do", "move it out of match:"]),
        ("default:\n  name: a\n", 2, ["'name' in 'default' is a match key"]),
        ("exclude: true\n", 1, ["'exclude' at the top level belongs in a rule"]),
        // Wrong types: key, line and the expected type.
        ("rules:\n  - match: {name: a}\n    max_retries: three\n", 3, ["'rules[0].max_retries' must be a whole number, 0 or more, not 'three'"]),
        ("rules:\n  - match: {name: a}\n    exclude: maybe\n", 3, ["'rules[0].exclude' must be true or false, not 'maybe'"]),
        ("rules:\n  match: {name: a}\n", 2, ["'rules' must be a list of rules"]),
        ("rules:\n  - match: {name: a}\n    metadata: {name: a, value: b}\n", 3, ["'rules[0].metadata' must be a list"]),
        ("rules:\n  - match: {name: [a, b]}\n", 2, ["'rules[0].match.name' must be a single value (text), not a list"]),
        ("rules:\n  - match: {name: a}\n    timeout: 0\n", 3, ["'rules[0].timeout' must be a number of seconds above 0"]),
        ("rules:\n  - match: {name: a}\n    delay: soon\n", 3, ["'rules[0].delay' must be a number of seconds", "does not start with a number"]),
        ("rules:\n  - match: {size: [1, 2]}\n", 2, ["'rules[0].match.size' must be a comparison such as"]),
        ("rules:\n  - match: a\n", 2, ["'rules[0].match' must be a mapping of match keys, not 'a'"]),
        // Values.
        ("rules:\n  - match: {size: '> 1 MiBs'}\n", 2, ["the unit 'mibs'", "did you mean mib?", "KiB, MiB"]),
        ("rules:\n  - match: {size: 'big'}\n", 2, ["'big' does not start with a number"]),
        ("rules:\n  - match: {size: {min: 2GB, max: 1GB}}\n", 2, ["min above max"]),
        ("rules:\n  - match: {size: {least: 2GB}}\n", 2, ["unknown key 'least' in 'rules[0].match.size'", "min, max"]),
        ("rules:\n  - match: {age: '30d'}\n", 2, ["'30d' has no comparison; write '> 30d'"]),
        ("rules:\n  - match: {age: '> 30'}\n", 2, ["'30' has no unit", "s, m, h, d, w"]),
        ("rules:\n  - match: {type: files}\n", 2, ["'files', which is not a type (did you mean 'file'?); use file, directory, link"]),
        ("rules:\n  - match: {name: a}\n    operation: put_synk\n", 3, ["'put_synk', which is not an operation (did you mean PUT_SYNC?)", "REGISTER_SYNC"]),
        ("rules:\n  - match: {extension: []}\n", 2, ["'rules[0].match.extension' is an empty list"]),
        // Regular expressions: the pattern and PathPattern's own message.
        ("rules:\n  - match:\n      name_regex: '(abc'\n", 3, ["'rules[0].match.name_regex'", "'(abc' is not a valid regular expression", "missing )"]),
        ("rules:\n  - match:\n      path_regex: '(a)\\1'\n", 3, ["'rules[0].match.path_regex'", "needs a backtracking matcher"]),
        // Globs.
        ("rules:\n  - match: {path: 'data/*.txt'}\n", 2, ["it is relative", "write '**/data/*.txt'"]),
        ("rules:\n  - match: {path: '/data/**.txt'}\n", 2, ["'**' inside an element"]),
        ("rules:\n  - match: {path: '/data/[abc'}\n", 2, ["'[' is not closed", "'[[]'"]),
        ("rules:\n  - match: {path: '/data/scratch/'}\n", 2, ["ends with '/'", "'/data/scratch/**'"]),
        ("rules:\n  - match: {name: 'a/b'}\n", 2, ["contains '/'", "use path:"]),
        ("rules:\n  - match: {name: '[z-a]'}\n", 2, ["runs backwards"]),
        // Templates.
        (
            "rules:\n  - match: {name: a}\n    target_path: /mnt/{colection}/{name}\n", 3,
            [
                "{colection} is not a placeholder (did you mean {collection}?)",
                "{path}, {relative}, {root}, {job}, {target}, {collection}, {name}, {stem}, {ext}, {size}, {mtime}, {mtime:FORMAT}",
            ]
        ),
        ("default:\n  metadata:\n    - {name: a, value: '{mtime:%Y-%q}'}\n", 3, ["%q, which is not supported", "%Y %m %d %H %M %S %j %%"]),
        ("default:\n  metadata:\n    - {name: a, value: '{size:05}'}\n", 3, ["only {mtime} takes one"]),
        ("default:\n  metadata:\n    - {name: a, value: '{name'}\n", 3, ["a '{' is not closed"]),
        ("default:\n  metadata:\n    - {name: a, value: 'x}'}\n", 3, ["a '}' closes no placeholder", "'}}'"]),
        ("default:\n  target_path: 'archive/{name}'\n", 2, ["does not give an absolute path"]),
        ("default:\n  metadata:\n    - {value: b}\n", 3, ["'default.metadata[0]' has no name:"]),
        // Rules that cannot do what they say.
        ("rules:\n  - match: {name: a}\n    exclude: true\n    resource: r\n", 4, ["'rules[0].resource' has no effect, because exclude: true"]),
        ("rules:\n  - resource: r\n", 2, ["'rules[0]' has no match:"]),
        ("rules:\n  - match: {}\n", 2, ["'rules[0].match' is empty"]),
        ("rules:\n  - match: {name: a}\n  - match: {name: b}\n    resource: ''\n", 4, ["'rules[1].resource' is empty"]),
        // YAML itself.
        ("rules:\n  - match: {name: a\n", 3, ["not valid YAML"]),
        ("rules:\n  - match: {name: a}\n    resource: a\n    resource: b\n", 3, ["'resource' appears more than once"]),
    ])
    func mistakesAreRefusedWithTheirLineAndFix(_ text: String, _ line: Int, _ fragments: [String]) throws {
        let reason = try #require(refusal(text))
        #expect(reason.hasPrefix("policy.yaml line \(line): "), "\(reason)")
        for fragment in fragments {
            #expect(reason.contains(fragment), "\(reason)")
        }
    }

    @Test(arguments: ["", "# only a comment\n", "{}\n"])
    func aPolicyThatSaysNothingIsRefused(_ text: String) {
        let reason = refusal(text)
        #expect(reason?.hasPrefix("policy.yaml") == true)
        #expect(reason?.contains("rules:") == true, "\(reason ?? "accepted")")
    }

    @Test func theExampleOfTheDocumentationIsAccepted() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/policy-yaml.md")
        let markdown = try String(contentsOf: url, encoding: .utf8)
        let start = try #require(markdown.range(of: "```yaml\n"))
        let end = try #require(markdown.range(of: "```", range: start.upperBound..<markdown.endIndex))
        let policy = try policy(String(markdown[start.upperBound..<end.lowerBound]))
        #expect(policy.capabilities.decidesFiles)
    }

    // MARK: Speed

    /// Five rules of every kind against 1000 entries; the rate is printed. A release build decides
    /// about two million entries a second on one core (bench/results/policy-yaml.md); debug builds
    /// are about twenty times slower and tests share the machine, so the bounds only catch a policy
    /// gone badly wrong (quadratic, or compiling patterns per entry).
    @Test func decidingIsCheap() async throws {
        let text = """
            rules:
              - match: {path: "**/scratch/**"}
                exclude: true
              - match: {name_regex: '^\\.'}
                exclude: true
              - match: {extension: [fits, fit], size: ">= 1MiB"}
                operation: PUT_SYNC
                resource: archive
              - match: {name: "*.log", age: "> 30d"}
                exclude: true
              - match: {path: "/data/raw/**/*.dat"}
                target_path: "/mnt/archive/{relative}"
            default:
              operation: REGISTER_SYNC
            """
        let policy = try policy(text)
        let entries = (0..<1000).map { index in
            let names = ["image\(index).fits", "run\(index).dat", ".hidden\(index)", "notes\(index).log", "table\(index).csv"]
            let directories = ["/data/raw/2024/05", "/data/scratch/tmp", "/data/processed/v2", "/data/raw"]
            return Self.file("\(directories[index % 4])/\(names[index % 5])", size: Int64(index) << 12, mtime: 1_700_000_000 + Int64(index))
        }
        let rounds = 50
        let clock = ContinuousClock()
        var decided = 0
        let elapsed = try await clock.measure {
            for _ in 0..<rounds { decided += try await policy.decide(entries, job: job).count }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let rate = Double(decided) / seconds
        print("YAMLPolicy.decide: \(Int(rate)) entries/s (\(rounds) x 1000 entries, 5 rules and a default)")
        #if DEBUG
            #expect(rate > 10_000)
        #else
            #expect(rate > 300_000)
        #endif
    }
}
