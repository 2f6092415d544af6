/// The kinds of entry the `type` match key names.
struct EntryKinds: OptionSet, Sendable, Hashable {
    let rawValue: UInt8

    /// Synced as a file: a regular file, or a link the job follows to one.
    static let file = EntryKinds(rawValue: 1)
    /// Listed as a directory, a followed link to one included.
    static let directory = EntryKinds(rawValue: 2)
    /// A symbolic link, whatever it points to.
    static let link = EntryKinds(rawValue: 4)

    static let names: [(name: String, kind: EntryKinds)] = [("file", .file), ("directory", .directory), ("link", .link)]

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    init(of entry: PolicyEntry) {
        switch entry.entryType {
        case .directory: self = .directory
        case .file: self = .file
        }
        if entry.isLink { insert(.link) }
    }
}

/// A rule's compiled `match:` mapping: an entry matches when every key given matches.
///
/// Keys are checked cheapest first (type, size, age, extension, then globs, then regular
/// expressions), so most rules turn most entries away after a comparison or two. A class with
/// constant properties, so that the matcher reads them in place: a struct this size is copied
/// (every array and pattern in it retained) each time a rule is read out of the rule list.
final class PolicyMatch: Sendable {
    /// Without a `type` key a rule applies to what is synced as a file, as `--exclude_file_name`
    /// does: a rule for directories says so, because excluding one leaves out all below it.
    let kinds: EntryKinds
    let sizes: [Comparison]
    /// Against the entry's age in nanoseconds (the policy's `now` minus the mtime).
    let ages: [Comparison]
    let extensions: [ExtensionSuffix]
    let name: PolicyGlob?
    let path: PolicyGlob?
    /// `re.match` at the start of the name, like `path_regex` at the start of the path.
    let nameRegex: PolicyRegex?
    let pathRegex: PolicyRegex?

    init(
        kinds: EntryKinds?, sizes: [Comparison], ages: [Comparison], extensions: [ExtensionSuffix], name: PolicyGlob?, path: PolicyGlob?,
        nameRegex: PolicyRegex?, pathRegex: PolicyRegex?
    ) {
        self.kinds = kinds ?? .file
        self.sizes = sizes
        self.ages = ages
        self.extensions = extensions
        self.name = name
        self.path = path
        self.nameRegex = nameRegex
        self.pathRegex = pathRegex
    }

    /// - Parameter entry: the entry `subject` was made from.
    func matches(_ subject: MatchSubject, _ entry: PolicyEntry) -> Bool {
        guard kinds.contains(where: subject.kinds) else { return false }
        for comparison in sizes where !comparison.holds(for: entry.size) { return false }
        for comparison in ages where !comparison.holds(for: subject.age) { return false }
        if !extensions.isEmpty && !extensions.contains(where: { $0.ends(subject.name) }) { return false }
        // `x?.matches(...) == false` rather than `if let x`, which would copy (and retain) the pattern.
        if name?.matches(subject.name) == false { return false }
        if path?.matches(subject.path) == false { return false }
        if nameRegex?.matches(subject.name, { String(decoding: subject.name, as: UTF8.self) }) == false { return false }
        if pathRegex?.matches(subject.path, { entry.path }) == false { return false }
        return true
    }
}

extension EntryKinds {
    /// Whether this set and the entry's kinds share one.
    func contains(where entryKinds: EntryKinds) -> Bool { !isDisjoint(with: entryKinds) }
}

/// What every rule looks at, worked out once per entry rather than once per rule. The byte views
/// are of the entry's path and live only while the policy decides that entry. The entry itself is
/// passed beside it rather than copied in, which would retain its strings once per entry.
struct MatchSubject {
    let kinds: EntryKinds
    let age: Int64
    /// The full source path, in UTF-8.
    let path: UnsafeBufferPointer<UInt8>
    /// Its last element.
    let name: UnsafeBufferPointer<UInt8>

    init(_ entry: PolicyEntry, path: UnsafeBufferPointer<UInt8>, nowNanos: Int64) {
        self.path = path
        kinds = EntryKinds(of: entry)
        var start = path.count
        while start > 0 && path[start - 1] != UInt8(ascii: "/") { start -= 1 }
        name = UnsafeBufferPointer(rebasing: path[start...])
        let (difference, overflow) = nowNanos.subtractingReportingOverflow(entry.mtimeNanos)
        age = overflow ? (entry.mtimeNanos < 0 ? .max : .min) : difference
    }
}

/// One value of the `extension` match key: the name ends with a dot and it, ignoring case, after
/// something other than dots (`.fits` alone is a hidden file with no extension, as in Python).
struct ExtensionSuffix: Sendable, Equatable {
    /// Lowercased, without the leading dot; may hold dots itself (`tar.gz`).
    let text: String
    private let bytes: [UInt8]
    private let isASCII: Bool

    init(_ written: String) {
        text = String(written.drop { $0 == "." }).lowercased()
        bytes = Array(text.utf8)
        isASCII = text.utf8.allSatisfy { $0 < 0x80 }
    }

    func ends(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard isASCII else {
            let lowered = String(decoding: name, as: UTF8.self).lowercased()
            return lowered.hasSuffix("." + text) && lowered.dropLast(text.count + 1).contains { $0 != "." }
        }
        guard name.count > bytes.count + 1 else { return false }
        let dot = name.count - bytes.count - 1
        guard name[dot] == UInt8(ascii: ".") else { return false }
        for (offset, expected) in bytes.enumerated() {
            var byte = name[dot + 1 + offset]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte += 32 }
            if byte != expected { return false }
        }
        return name[..<dot].contains { $0 != UInt8(ascii: ".") }
    }
}

/// A `name_regex` or `path_regex`: a `PathPattern`, as `--exclude_file_name` patterns are, so
/// both mean the same, with the literal text every match must start with checked first. Most
/// patterns start with one (`^\.`, `/data/raw/`), and comparing it costs nanoseconds where running
/// the matcher costs hundreds.
struct PolicyRegex: Sendable {
    let pattern: PathPattern
    /// The UTF-8 of the scalars the program reads before its first branch.
    private let prefix: [UInt8]

    init(_ source: String) throws(PathPatternError) {
        pattern = try PathPattern(source)
        // Every thread of the NFA starts at instruction 0 and leaves a `scalar` instruction only by
        // reading that scalar, so the scalars before the first other instruction start every match.
        // `^` there holds at the start; any other assertion ends the prefix.
        var scalars = String.UnicodeScalarView()
        loop: for instruction in pattern.program.instructions {
            switch instruction {
            case .scalar(let value):
                guard let scalar = Unicode.Scalar(value) else { break loop }
                scalars.append(scalar)
            case .assert(.textStart):
                continue
            default:
                break loop
            }
        }
        prefix = Array(String(scalars).utf8)
    }

    /// - Parameter string: the same text as a `String`, made only when the prefix matched.
    func matches(_ text: UnsafeBufferPointer<UInt8>, _ string: () -> String) -> Bool {
        guard text.count >= prefix.count else { return false }
        for (offset, byte) in prefix.enumerated() where text[offset] != byte { return false }
        return pattern.matchesPrefix(of: string())
    }
}
