import Foundation
import IngestCore

/// A policy written as ordered YAML rules (`ingest start SRC DST --policy policy.yaml`), for users
/// who want per-entry operations, resources, metadata and exclusions without writing Python.
/// The first rule whose `match` fits an entry decides it; `default` decides files no rule matches.
/// The format is described in docs/policy-yaml.md.
///
/// Everything is checked when the text is read, so a typo stops `ingest start` before anything is
/// queued rather than failing in a worker. Patterns and templates are compiled once; deciding is
/// comparisons and scans of the path's bytes in place, with no I/O (about two million entries a
/// second on one core for five rules; bench/results/policy-yaml.md).
public struct YAMLPolicy: SyncPolicy {
    /// The file's name as the user gave it, for messages.
    public let filename: String
    let rules: [PolicyRule]
    /// The `default` section.
    let fallback: PolicyAction?
    private let now: @Sendable () -> Date
    public let capabilities: PolicyCapabilities

    /// Reads and checks a policy.
    /// - Parameters:
    ///   - text: the YAML document.
    ///   - filename: names the file in messages.
    ///   - now: the clock `age` is measured against, read once per `decide` call; tests pass a fixed one.
    /// - Throws: `IngestError.invalidOption(name: "--policy", ...)`, whose reason names the file, the line,
    ///   what is wrong and the fix.
    public init(text: String, filename: String, now: @escaping @Sendable () -> Date = Date.init) throws {
        do {
            let document = try PolicyReader().read(text)
            rules = document.rules
            fallback = document.fallback
        } catch {
            let place = error.line.map { "\(filename) line \($0)" } ?? filename
            throw IngestError.invalidOption(name: "--policy", reason: "\(place): \(error.message)")
        }
        self.filename = filename
        self.now = now
        // Directories (and links, which may be listed as directories) reach `decide` only when a
        // rule can match them: otherwise the engine need not send them.
        let namesDirectories = rules.contains { $0.match.kinds.contains(where: [.directory, .link]) }
        capabilities = PolicyCapabilities(decidesFiles: true, namesDirectories: namesDirectories)
    }

    public func decide(_ entries: [PolicyEntry], job: PolicyJob) async throws -> [EntryDecision] {
        decisions(for: entries, job: job)
    }

    /// `decide` without the suspension point, for callers (and measurements) that are not async.
    func decisions(for entries: [PolicyEntry], job: PolicyJob) -> [EntryDecision] {
        let nowNanos = Self.nanoseconds(now())
        return entries.map { entry in
            var path = entry.path
            return path.withUTF8 { decision(for: entry, MatchSubject(entry, path: $0, nowNanos: nowNanos), job: job) }
        }
    }

    private func decision(for entry: PolicyEntry, _ subject: MatchSubject, job: PolicyJob) -> EntryDecision {
        for rule in rules where rule.match.matches(subject, entry) {
            return rule.action.decision(for: entry, job: job)
        }
        // The default is for files: a directory takes part only through a rule that names it.
        guard let fallback, !subject.kinds.contains(.directory) else { return .jobDefault }
        return fallback.decision(for: entry, job: job)
    }

    public func deleteMode(for directory: PolicyEntry, job: PolicyJob) async throws -> DeleteMode? { nil }

    public func runHooks(_ calls: [HookCall], job: PolicyJob) async throws -> [HookOutcome] {
        calls.map { HookOutcome(options: $0.options) }
    }

    static func nanoseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1e9).rounded()
        return value >= 0x1p63 ? .max : value <= -0x1p63 ? .min : Int64(value)
    }
}

/// One entry of `rules`.
struct PolicyRule: Sendable {
    let match: PolicyMatch
    let action: PolicyAction
}

/// What a rule (or `default`) does to the entries it decides; nil for what it leaves to the job.
/// A class for the reason `PolicyMatch` is one.
final class PolicyAction: Sendable {
    let operation: SyncOperation?
    let resource: String?
    let targetPath: PolicyTemplate?
    let owner: String?
    let metadata: [MetadataTemplate]
    let exclude: Bool
    let maxRetries: Int?
    let delay: Double?
    let timeout: Double?

    init(
        operation: SyncOperation?, resource: String?, targetPath: PolicyTemplate?, owner: String?, metadata: [MetadataTemplate], exclude: Bool,
        maxRetries: Int?, delay: Double?, timeout: Double?
    ) {
        self.operation = operation
        self.resource = resource
        self.targetPath = targetPath
        self.owner = owner
        self.metadata = metadata
        self.exclude = exclude
        self.maxRetries = maxRetries
        self.delay = delay
        self.timeout = timeout
    }

    func decision(for entry: PolicyEntry, job: PolicyJob) -> EntryDecision {
        guard !exclude else { return EntryDecision(excluded: true) }
        return EntryDecision(
            operation: operation, resource: resource, physicalPath: targetPath?.render(entry, job: job), owner: owner,
            metadata: metadata.map { $0.render(entry, job: job) }, maxRetries: maxRetries, delay: delay, timeout: timeout)
    }
}

/// One `metadata` item: attribute, value and units, each a template.
struct MetadataTemplate: Sendable {
    let name: PolicyTemplate
    let value: PolicyTemplate
    let units: PolicyTemplate

    func render(_ entry: PolicyEntry, job: PolicyJob) -> MetadataTriple {
        MetadataTriple(attribute: name.render(entry, job: job), value: value.render(entry, job: job), units: units.render(entry, job: job))
    }
}
