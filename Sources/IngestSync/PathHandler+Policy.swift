import Foundation
import IngestCore

/// A job's policy in the listing: one `decide` per slice of files (and of subdirectories when the
/// policy renames or leaves out directories), one `delete_mode` per directory.
extension PathHandler {
    /// Files of one slice with what the policy decided, and the catalog names of those it renamed
    /// (listed, so never deleted).
    struct DecidedFiles {
        var files: [FileEntry] = []
        var decisions: [EntryDecision] = []
        var renamed: [ExactName] = []
    }

    /// The entry as a policy sees it (`meta`).
    static func policyEntry(path: String, target: String, file: FileEntry?) -> PolicyEntry {
        guard let file else { return PolicyEntry(path: path, target: target, entryType: .directory) }
        return PolicyEntry(
            path: path, target: target, size: file.size, mtimeNanos: file.mtimeNanos, ctimeNanos: file.mtimeNanos,
            isLink: file.linkTarget != nil, entryType: .file)
    }

    /// The listed directory's delete mode by the policy, checked against the job's operation as the
    /// job's own is at `start`.
    func directoryDeleteMode(policy: any SyncPolicy, job: PolicyJob, payload: DirectoryTaskPayload) async throws -> DeleteMode {
        let entry = Self.policyEntry(path: payload.directory, target: payload.collection, file: nil)
        guard let mode = try await policy.deleteMode(for: entry, job: job) else { return payload.spec.deleteMode }
        guard mode.isAllowed(with: payload.spec.operation) else {
            throw PermanentTaskError(
                "the policy's delete_mode for \(payload.directory) is \(mode.rawValue), which cannot be used with \(payload.spec.operation.rawValue); "
                    + "return a mode that works with it (\(DeleteMode.allCases.filter { $0.isAllowed(with: payload.spec.operation) }.map(\.rawValue).joined(separator: ", ")))")
        }
        return mode
    }

    /// Asks the policy about files of a slice: left-out files are counted as excluded, files it
    /// failed on are recorded as failed entries, renamed files keep their name on disk.
    func decideFiles(
        _ files: [FileEntry], policy: any SyncPolicy, job: PolicyJob, task: ClaimedTask, payload: DirectoryTaskPayload,
        result: inout TaskResult
    ) async throws -> DecidedFiles {
        let entries = files.map { Self.policyEntry(path: payload.sourcePath($0.sourceName), target: LogicalPath.join(payload.collection, $0.name), file: $0) }
        let decisions = try await policy.decide(entries, job: job)
        guard decisions.count == files.count else {
            throw TransientPolicyError("the policy answered \(decisions.count) decisions for \(files.count) files")
        }
        var decided = DecidedFiles()
        var failures: [String] = []
        defer {
            // Entries the policy failed on are retried by listing the directory again (`ingest
            // requeue`), so that they are decided again rather than synced by the job's own options.
            if !failures.isEmpty { result.spawned.append(failedListing(payload, task: task, error: failures.joined(separator: "\n\n"), entries: failures.count)) }
        }
        for (index, (file, decision)) in zip(files, decisions).enumerated() {
            if let name = decision.name, name != file.name, Self.isValidName(name) {
                // Listed under its catalog name whatever happens to it, so it is never taken for deleted.
                decided.renamed.append(ExactName(name))
            }
            if decision.excluded {
                skip(&result, reason: "excluded")
                continue
            }
            if let problem = decision.error ?? problem(with: decision, deleteMode: payload.spec.deleteMode) {
                failures.append("\(entries[index].path):\n\(problem)")
                continue
            }
            var file = file
            var decision = decision
            if let name = decision.name, name != file.name {
                guard Self.isValidName(name) else {
                    failures.append(
                        "\(entries[index].path):\nthe policy renamed it to '\(name)', which is not a valid catalog name; "
                            + "map characters to others than '/' and NUL, and leave a name other than '.' and '..'")
                    continue
                }
                decision.metadata.append(Self.renamedFrom(file.sourceName, directory: payload.directory))
                file.rawName = Data(file.nameBytes)
                file.name = name
            }
            decided.files.append(file)
            decided.decisions.append(decision)
        }
        return decided
    }

    /// Asks the policy about the subdirectories of a slice: left out ones are not descended into,
    /// renamed ones keep their name on disk.
    func decideDirectories(
        _ items: [Listed], policy: any SyncPolicy, job: PolicyJob, payload: DirectoryTaskPayload, result: inout TaskResult
    ) async throws -> [Listed] {
        let directories = items.compactMap { item -> Subdirectory? in if case .directory(let directory) = item { directory } else { nil } }
        guard !directories.isEmpty else { return items }
        let entries = directories.map {
            Self.policyEntry(path: payload.sourcePath($0.sourceName), target: LogicalPath.join(payload.collection, $0.name), file: nil)
        }
        let decisions = try await policy.decide(entries, job: job)
        guard decisions.count == directories.count else {
            throw TransientPolicyError("the policy answered \(decisions.count) decisions for \(directories.count) directories")
        }
        var next = decisions.makeIterator()
        var kept: [Listed] = []
        kept.reserveCapacity(items.count)
        for item in items {
            guard case .directory(var directory) = item, let decision = next.next() else {
                kept.append(item)
                continue
            }
            if decision.excluded {
                skip(&result, reason: "excluded")
                continue
            }
            if let error = decision.error {
                // A directory has no failed-entry task of its own: the listing fails, and retries.
                throw PermanentTaskError("the policy failed on \(payload.sourcePath(directory.sourceName)):\n\(error)")
            }
            if let name = decision.name, name != directory.name, Self.isValidName(name) {
                directory.rawName = directory.nameBytes
                directory.name = name
                directory.renamed = true
            }
            kept.append(.directory(directory))
        }
        return kept
    }

    /// Queues decided files: entries with the same operation, resource and retries go through change
    /// detection and into `file` tasks together, whose spec carries those three.
    func queueDecidedFiles(_ decided: DecidedFiles, task: ClaimedTask, payload: DirectoryTaskPayload, result: inout TaskResult) async throws {
        struct Group: Hashable {
            var operation: SyncOperation
            var resource: String?
            var maxRetries: Int
            var delay: Double
            var timeout: Double
            var retry: RetryPolicy { RetryPolicy(maxRetries: maxRetries, delay: delay, timeout: timeout) }
        }
        let spec = payload.spec
        var order: [Group] = []
        var files: [Group: [FileEntry]] = [:]
        var decisions: [Group: [EntryDecision]] = [:]
        for (file, decision) in zip(decided.files, decided.decisions) {
            let retry = decision.retry(over: spec.retry)
            let group = Group(
                operation: decision.operation ?? spec.operation, resource: decision.resource ?? spec.resource,
                maxRetries: retry.maxRetries, delay: retry.delay, timeout: retry.timeout)
            if files[group] == nil { order.append(group) }
            // The group's spec carries these; the entry keeps only what is its own.
            var own = decision
            (own.operation, own.resource, own.maxRetries, own.delay, own.timeout) = (nil, nil, nil, nil, nil)
            files[group, default: []].append(file)
            decisions[group, default: []].append(own)
        }
        for group in order {
            guard let groupFiles = files[group], let groupDecisions = decisions[group] else { continue }
            var groupPayload = payload
            groupPayload.spec.operation = group.operation
            groupPayload.spec.resource = group.resource
            groupPayload.spec.retry = group.retry
            let ownership = group.operation.copiesData && payload.collectionIsNew != true
                ? try await Ownership(spec: groupPayload.spec, catalog: catalog) : nil
            try await queueChangedFiles(
                groupFiles, decisions: groupDecisions, task: task, payload: groupPayload, ownership: ownership, result: &result)
        }
    }

    /// Where a file registered in place should be according to its decision, when that is not the
    /// listed directory plus its catalog name.
    func expectedPhysicalPath(of file: FileEntry, decision: EntryDecision?, payload: DirectoryTaskPayload) -> String? {
        // A link is registered where it is, whatever `target_path` says (`registerLink`).
        if file.linkTarget == nil, let path = decision?.physicalPath { return path }
        return file.rawName != nil && file.sourceName != file.name ? payload.sourcePath(file.sourceName) : nil
    }

    /// Why a decision cannot be carried out, as the entry's error.
    private func problem(with decision: EntryDecision, deleteMode: DeleteMode) -> String? {
        if let operation = decision.operation, !deleteMode.isAllowed(with: operation) {
            return "the policy chose \(operation.rawValue) for this entry, which cannot be used with the delete mode \(deleteMode.rawValue); "
                + "choose an operation that works with it (\(SyncOperation.allCases.filter { deleteMode.isAllowed(with: $0) }.map(\.rawValue).joined(separator: ", ")))"
        }
        if let retries = decision.maxRetries, retries < 0 { return "the policy's max_retries is \(retries); it must be 0 or more" }
        if let timeout = decision.timeout, SecondsSetting.problem(with: timeout, allowsZero: false) != nil {
            return "the policy's timeout is \(timeout); \(SecondsSetting.problem(with: timeout, allowsZero: false) ?? "")"
        }
        if let delay = decision.delay, SecondsSetting.problem(with: delay, allowsZero: true) != nil {
            return "the policy's delay is \(delay); \(SecondsSetting.problem(with: delay, allowsZero: true) ?? "")"
        }
        return nil
    }

    /// A name a collection or object can have: one path element.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(UInt8(ascii: "/")) && !name.utf8.contains(0)
    }

    /// iRODS automated ingest records the name before its `character_map` on the renamed object.
    static func renamedFrom(_ sourceName: String, directory: String) -> MetadataTriple {
        let path = directory.hasSuffix("/") ? directory + sourceName : directory + "/" + sourceName
        return MetadataTriple(attribute: "irods::automated_ingest::character_map", value: Data(path.utf8).base64EncodedString())
    }
}

/// `pre_/post_coll_create` around the collections a listing makes: create hooks for collections
/// that were absent (for NO_OP, which creates nothing, too), each batch in one policy call.
struct CollectionHooks {
    let policy: any SyncPolicy
    let job: PolicyJob
    /// The collections the listed collection held; nil when it was just made (all are absent).
    let existing: Set<ExactName>?

    /// Nil when the policy defines neither hook.
    init?(policy: any SyncPolicy, job: PolicyJob, existing: Set<ExactName>?) {
        guard !policy.capabilities.hooks.isDisjoint(with: [.preCollectionCreate, .postCollectionCreate]) else { return nil }
        self.policy = policy
        self.job = job
        self.existing = existing
    }

    /// Runs the pre or post create hook of each absent subdirectory; returns the errors by name.
    func run(pre: Bool, _ subdirectories: [PathHandler.Subdirectory], payload: DirectoryTaskPayload) async throws -> [ExactName: String] {
        let hook: PolicyHook = pre ? .preCollectionCreate : .postCollectionCreate
        guard policy.capabilities.hooks.contains(hook) else { return [:] }
        let absent = pre ? subdirectories.filter { existing?.contains(ExactName($0.name)) != true } : subdirectories
        guard !absent.isEmpty else { return [:] }
        let creates = payload.spec.operation != .noOp
        let calls = absent.map { subdirectory in
            (subdirectory.name, HookCall(
                hook: hook,
                entry: PathHandler.policyEntry(
                    path: payload.sourcePath(subdirectory.sourceName), target: LogicalPath.join(payload.collection, subdirectory.name), file: nil),
                targetExists: !pre && creates))
        }
        return try await runNamedHooks(calls, policy: policy, job: job)
    }
}

/// Runs hook calls in one policy call; returns the error of each call that raised, by its entry's name.
func runNamedHooks(_ calls: [(name: String, call: HookCall)], policy: any SyncPolicy, job: PolicyJob) async throws -> [ExactName: String] {
    guard !calls.isEmpty else { return [:] }
    let outcomes = try await policy.runHooks(calls.map(\.call), job: job)
    guard outcomes.count == calls.count else {
        throw TransientPolicyError("the policy answered \(outcomes.count) hook outcomes for \(calls.count) calls")
    }
    var failures: [ExactName: String] = [:]
    for ((name, call), outcome) in zip(calls, outcomes) {
        if let error = outcome.error { failures[ExactName(name)] = "\(call.hook.rawValue) failed for \(call.entry?.target ?? name):\n\(error)" }
    }
    return failures
}

/// `pre_/post_data_obj_delete` and `_coll_delete` around what a delete mode removes, in one policy
/// call per phase.
struct DeleteHooks {
    let policy: any SyncPolicy
    let job: PolicyJob

    /// Nil when the policy defines none of them.
    init?(policy: any SyncPolicy, job: PolicyJob) {
        let hooks: Set<PolicyHook> = [.preDataObjectDelete, .postDataObjectDelete, .preCollectionDelete, .postCollectionDelete]
        guard !policy.capabilities.hooks.isDisjoint(with: hooks) else { return nil }
        self.policy = policy
        self.job = job
    }

    /// Runs the pre or post delete hooks of the named objects and collections of the listed
    /// collection; returns the errors by name.
    func run(pre: Bool, objects: [String], collections: [String], payload: DirectoryTaskPayload) async throws -> [ExactName: String] {
        let defined = policy.capabilities.hooks
        let objectHook: PolicyHook = pre ? .preDataObjectDelete : .postDataObjectDelete
        let collectionHook: PolicyHook = pre ? .preCollectionDelete : .postCollectionDelete
        var calls: [(name: String, call: HookCall)] = []
        for (names, hook, type) in [(objects, objectHook, PolicyEntry.EntryType.file), (collections, collectionHook, .directory)] where defined.contains(hook) {
            for name in names {
                let entry = PolicyEntry(path: payload.sourcePath(name), target: LogicalPath.join(payload.collection, name), entryType: type)
                calls.append((name, HookCall(
                    hook: hook, entry: entry, operation: payload.spec.operation.copiesData ? payload.spec.operation : nil, targetExists: pre)))
            }
        }
        return try await runNamedHooks(calls, policy: policy, job: job)
    }
}

/// The policy answered something the engine cannot use; the task runs again.
struct TransientPolicyError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
