import Crypto
import Foundation
import IngestCore
import Logging

/// Per-entry policy of a sync job: which operation, resource, physical path, owner and metadata
/// each entry gets, what is left out, and hooks around each change (iRODS automated ingest's event
/// handlers). The engine asks a policy once per batch of entries, never once per file.
///
/// Implementations: `JobOptionsPolicy` (the job's flags, the default), `YAMLPolicy` (`--policy`)
/// and `PythonPolicy` (`--event_handler`). A program embedding Ingest can pass its own.
public protocol SyncPolicy: Sendable {
    /// What the policy takes part in, so the engine can skip what it does not (no round trip to
    /// ask for decisions a policy never makes, no hook calls for hooks it does not define).
    var capabilities: PolicyCapabilities { get }

    /// One decision per entry, in order, for entries listed in one directory (files, and directories
    /// when `capabilities.namesDirectories`). Unchanged files are decided too: their operation and
    /// resource say what "unchanged" is measured against.
    /// - Throws: only for a failure of the whole batch (the policy's process died); an entry's own
    ///   failure is its decision's `error`.
    func decide(_ entries: [PolicyEntry], job: PolicyJob) async throws -> [EntryDecision]

    /// The delete mode of one listed directory (iRODS automated ingest's `delete_mode(meta)`), or nil
    /// for the job's.
    func deleteMode(for directory: PolicyEntry, job: PolicyJob) async throws -> DeleteMode?

    /// Runs hooks, one call per entry. Effects a hook has on the catalog (metadata) are applied by
    /// the policy before it returns, except those of a call that failed.
    /// - Returns: one outcome per call, in order.
    func runHooks(_ calls: [HookCall], job: PolicyJob) async throws -> [HookOutcome]
}

/// Which parts of `SyncPolicy` a policy uses.
public struct PolicyCapabilities: Sendable, Equatable {
    /// `decide` says something about files (operation, resource, path, owner, metadata, exclusion, retries).
    public var decidesFiles: Bool
    /// `decide` maps or excludes directories too (`character_map`, a rule matching directories).
    public var namesDirectories: Bool
    /// `deleteMode(for:)` is asked per directory.
    public var decidesDeleteMode: Bool
    /// The hooks the policy defines.
    public var hooks: Set<PolicyHook>

    public init(decidesFiles: Bool = false, namesDirectories: Bool = false, decidesDeleteMode: Bool = false, hooks: Set<PolicyHook> = []) {
        self.decidesFiles = decidesFiles
        self.namesDirectories = namesDirectories
        self.decidesDeleteMode = decidesDeleteMode
        self.hooks = hooks
    }

    public static let none = PolicyCapabilities()
}

/// The hooks of iRODS automated ingest's event handlers, by their method names.
public enum PolicyHook: String, Sendable, Codable, CaseIterable, Hashable {
    case preJob = "pre_job", postJob = "post_job"
    /// Around each pass of a periodic job (and the only pass of a one-shot job).
    case prePass = "pre_pass", postPass = "post_pass"
    case preDataObjectCreate = "pre_data_obj_create", postDataObjectCreate = "post_data_obj_create"
    case preDataObjectModify = "pre_data_obj_modify", postDataObjectModify = "post_data_obj_modify"
    case preCollectionCreate = "pre_coll_create", postCollectionCreate = "post_coll_create"
    case preCollectionModify = "pre_coll_modify", postCollectionModify = "post_coll_modify"
    case preDataObjectDelete = "pre_data_obj_delete", postDataObjectDelete = "post_data_obj_delete"
    case preCollectionDelete = "pre_coll_delete", postCollectionDelete = "post_coll_delete"

    /// The job and pass hooks take `(hdlr_mod, logger, meta)`; delete hooks `(hdlr_mod, session, meta, ...)`.
    public var isJobHook: Bool { [.preJob, .postJob, .prePass, .postPass].contains(self) }
}

/// The job a policy decides for: what every `meta` carries besides the entry.
public struct PolicyJob: Sendable, Equatable, Codable {
    public var name: String
    /// The source directory (`meta["root"]`).
    public var root: String
    /// The destination collection.
    public var target: String
    /// The job's own operation and resource: what an entry gets unless its policy says otherwise.
    public var operation: SyncOperation
    public var resource: String?
    public var deleteMode: DeleteMode

    public init(name: String, root: String, target: String, operation: SyncOperation, resource: String?, deleteMode: DeleteMode) {
        self.name = name
        self.root = root
        self.target = target
        self.operation = operation
        self.resource = resource
        self.deleteMode = deleteMode
    }

    public init(name: String, spec: SyncSpec) {
        self.init(
            name: name, root: spec.source, target: spec.target, operation: spec.operation, resource: spec.resource,
            deleteMode: spec.deleteMode)
    }
}

/// What a policy sees of one listed entry (iRODS automated ingest's `meta`).
public struct PolicyEntry: Sendable, Equatable, Codable {
    public enum EntryType: String, Sendable, Codable { case file, directory }

    /// The full source path (escaped where it is not UTF-8).
    public var path: String
    /// The logical path it syncs to, before any renaming by the policy.
    public var target: String
    public var size: Int64
    public var mtimeNanos: Int64
    public var ctimeNanos: Int64
    public var isLink: Bool
    public var isSocket: Bool
    public var entryType: EntryType

    public init(
        path: String, target: String, size: Int64 = 0, mtimeNanos: Int64 = 0, ctimeNanos: Int64 = 0, isLink: Bool = false,
        isSocket: Bool = false, entryType: EntryType = .file
    ) {
        self.path = path
        self.target = target
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.ctimeNanos = ctimeNanos
        self.isLink = isLink
        self.isSocket = isSocket
        self.entryType = entryType
    }

    /// The last path component of the source.
    public var name: String { path.split(separator: "/").last.map(String.init) ?? path }
}

/// What a policy decided for one entry; nil fields keep the job's setting.
public struct EntryDecision: Sendable, Equatable, Codable {
    public var operation: SyncOperation?
    /// The storage resource (`to_resource`).
    public var resource: String?
    /// The physical path to register, for register operations (`target_path`): where the file is
    /// seen from the catalog's side when that differs from the path this worker reads.
    public var physicalPath: String?
    /// The name in the catalog when the policy renames the entry (`character_map`).
    public var name: String?
    /// Recorded as the object's owner (`as_user`).
    public var owner: String?
    /// Metadata to add to the object (or collection) when it is created or changed.
    public var metadata: [MetadataTriple]
    /// Left out, as an exclusion would (counted as skipped, never deleted).
    public var excluded: Bool
    public var maxRetries: Int?
    public var delay: Double?
    public var timeout: Double?
    /// The policy failed on this entry (a Python traceback): the entry fails alone with this text.
    public var error: String?

    public init(
        operation: SyncOperation? = nil, resource: String? = nil, physicalPath: String? = nil, name: String? = nil,
        owner: String? = nil, metadata: [MetadataTriple] = [], excluded: Bool = false, maxRetries: Int? = nil,
        delay: Double? = nil, timeout: Double? = nil, error: String? = nil
    ) {
        self.operation = operation
        self.resource = resource
        self.physicalPath = physicalPath
        self.name = name
        self.owner = owner
        self.metadata = metadata
        self.excluded = excluded
        self.maxRetries = maxRetries
        self.delay = delay
        self.timeout = timeout
        self.error = error
    }

    /// A decision that changes nothing.
    public static let jobDefault = EntryDecision()

    /// The job's retry policy with this decision's overrides.
    public func retry(over base: RetryPolicy) -> RetryPolicy {
        RetryPolicy(maxRetries: maxRetries ?? base.maxRetries, delay: delay ?? base.delay, timeout: timeout ?? base.timeout)
    }
}

/// One hook to run for one entry (or, for job hooks, for the job).
public struct HookCall: Sendable, Equatable, Codable {
    public var hook: PolicyHook
    public var entry: PolicyEntry?
    /// The operation, passed as `*args` to the data-object hooks of copy operations (upstream's `(op,)`).
    public var operation: SyncOperation?
    /// Keyword options (`**options`): what a pre hook sets reaches the post hook of the same entry.
    public var options: [String: String]
    /// Whether the entry's target is in the catalog when the hook runs, when the engine knows: a
    /// policy need not look it up (a handler's `session.data_objects.get(meta["target"])`).
    public var targetExists: Bool?

    public init(
        hook: PolicyHook, entry: PolicyEntry? = nil, operation: SyncOperation? = nil, options: [String: String] = [:],
        targetExists: Bool? = nil
    ) {
        self.hook = hook
        self.entry = entry
        self.operation = operation
        self.options = options
        self.targetExists = targetExists
    }
}

/// How one hook call went.
public struct HookOutcome: Sendable, Equatable, Codable {
    /// The hook raised: its traceback. The entry fails alone with it.
    public var error: String?
    /// The options as the hook left them.
    public var options: [String: String]

    public init(error: String? = nil, options: [String: String] = [:]) {
        self.error = error
        self.options = options
    }
}

/// What a policy implementation may use while it decides and runs hooks: the catalog (metadata a
/// hook adds), the broker (counters shared by workers), and the log.
public struct PolicyServices: Sendable {
    public var catalog: any Catalog
    public var broker: (any Broker)?
    public var logger: Logger
    /// The job the policy serves: its shared values (`get_redis`) are that job's.
    public var job: String?

    public init(catalog: any Catalog, broker: (any Broker)?, logger: Logger, job: String? = nil) {
        self.catalog = catalog
        self.broker = broker
        self.logger = logger
        self.job = job
    }
}

/// The policy of a job that has no `--policy` or `--event_handler`: every entry gets the job's flags,
/// and nothing is asked per batch.
public struct JobOptionsPolicy: SyncPolicy {
    public init() {}

    public var capabilities: PolicyCapabilities { .none }

    public func decide(_ entries: [PolicyEntry], job: PolicyJob) async throws -> [EntryDecision] {
        Array(repeating: .jobDefault, count: entries.count)
    }

    public func deleteMode(for directory: PolicyEntry, job: PolicyJob) async throws -> DeleteMode? { nil }

    public func runHooks(_ calls: [HookCall], job: PolicyJob) async throws -> [HookOutcome] {
        calls.map { HookOutcome(options: $0.options) }
    }
}

/// The policy a job was started with (`--event_handler FILE`, `--policy FILE`), kept in the job's
/// record so that workers on any machine run the same text. Task payloads carry it without its
/// text (the digest says which); a worker reads the text from the job record once.
public struct PolicyDocument: Codable, Sendable, Equatable {
    public enum Language: String, Codable, Sendable {
        /// An iRODS automated ingest event handler file, run by `PythonPolicy`.
        case python
        /// Declarative rules, run by `YAMLPolicy`.
        case yaml
        /// A policy a program embedding Ingest registered under `filename` (`PolicyFactory.registered`).
        case registered
    }

    public var language: Language
    /// The file's name as the user gave it, for messages and tracebacks.
    public var filename: String
    /// SHA-256 of `text`, in hex.
    public var digest: String
    /// The file's text; nil in task payloads.
    public var text: String?

    public init(language: Language, filename: String, text: String) {
        self.language = language
        self.filename = filename
        self.text = text
        digest = SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A policy a program registered with `PolicyFactory.registered` under `name`.
    public static func registered(_ name: String) -> PolicyDocument {
        PolicyDocument(language: .registered, filename: name, text: name)
    }

    /// The same document without its text, as task payloads carry it.
    public var withoutText: PolicyDocument {
        var copy = self
        copy.text = nil
        return copy
    }
}
