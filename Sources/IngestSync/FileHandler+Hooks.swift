import Foundation
import IngestCore

extension FileHandler {
    /// The data-object hooks of a batch (iRODS automated ingest's `pre_/post_data_obj_create` and
    /// `_modify`): one policy call for the pre hooks of every entry and one for the post hooks.
    /// Create hooks fire for an entry whose object is absent (NO_OP included, where nothing is
    /// created), modify hooks for one that exists and changed. A hook that raises fails its entry
    /// alone; options a pre hook sets reach the operation's post hook.
    struct ObjectHooks {
        let policy: any SyncPolicy
        let job: PolicyJob
        let payload: DirectoryTaskPayload
        /// Whether each entry's object existed before the batch, by name.
        let existed: Set<ExactName>
        /// The options of each entry as its pre hook left them.
        var options: [ExactName: [String: String]] = [:]

        /// The hooks of a batch, or nil when the policy defines none of them.
        static func make(
            policy: any SyncPolicy, job: PolicyJob, payload: DirectoryTaskPayload, existing: [ExactName: ReplicaState]?,
            catalog: any Catalog
        ) async throws -> ObjectHooks? {
            let objectHooks: Set<PolicyHook> = [.preDataObjectCreate, .postDataObjectCreate, .preDataObjectModify, .postDataObjectModify]
            guard !policy.capabilities.hooks.isDisjoint(with: objectHooks) else { return nil }
            let entries = payload.entries ?? []
            var existed = Set<ExactName>()
            if payload.entriesAreNew != true {
                if let existing {
                    existed = Set(existing.keys)
                } else {
                    existed = Set(try await catalog.replicaStates(
                        in: payload.collection, names: entries.map(\.name), resource: payload.spec.replicaResource).keys)
                }
            }
            return ObjectHooks(policy: policy, job: job, payload: payload, existed: existed)
        }

        private func hook(for entry: FileEntry, pre: Bool) -> PolicyHook {
            switch (existed.contains(ExactName(entry.name)), pre) {
            case (false, true): .preDataObjectCreate
            case (false, false): .postDataObjectCreate
            case (true, true): .preDataObjectModify
            case (true, false): .postDataObjectModify
            }
        }

        private func call(_ hook: PolicyHook, for entry: FileEntry) -> HookCall {
            let spec = payload.spec
            let meta = PathHandler.policyEntry(
                path: payload.sourcePath(entry.sourceName), target: LogicalPath.join(payload.collection, entry.name), file: entry)
            // A post hook's object was just registered, unless NO_OP left it as it was.
            let existed = existed.contains(ExactName(entry.name))
            let exists = [.preDataObjectCreate, .preDataObjectModify].contains(hook) || spec.operation == .noOp ? existed : true
            return HookCall(
                hook: hook, entry: meta, operation: spec.operation.copiesData ? spec.operation : nil,
                options: options[ExactName(entry.name)] ?? [:], targetExists: exists)
        }

        /// Runs the pre hooks of `entries`; returns the error of each entry whose hook raised.
        mutating func runPre(_ entries: [FileEntry]) async throws -> [ExactName: String] {
            try await run(entries, pre: true)
        }

        /// Runs the post hooks of the entries that were created or changed.
        mutating func runPost(_ entries: [FileEntry]) async throws -> [ExactName: String] {
            try await run(entries, pre: false)
        }

        private mutating func run(_ entries: [FileEntry], pre: Bool) async throws -> [ExactName: String] {
            let defined = policy.capabilities.hooks
            let calling = entries.filter { defined.contains(hook(for: $0, pre: pre)) }
            guard !calling.isEmpty else { return [:] }
            let outcomes = try await policy.runHooks(calling.map { call(hook(for: $0, pre: pre), for: $0) }, job: job)
            guard outcomes.count == calling.count else {
                throw TransientPolicyError("the policy answered \(outcomes.count) hook outcomes for \(calling.count) calls")
            }
            var failures: [ExactName: String] = [:]
            for (entry, outcome) in zip(calling, outcomes) {
                let name = ExactName(entry.name)
                options[name] = outcome.options
                if let error = outcome.error { failures[name] = "\(hook(for: entry, pre: pre).rawValue) failed:\n\(error)" }
            }
            return failures
        }
    }
}
