import Foundation
import IngestCore

/// The sync job: a `restart` task begins a pass, `path` tasks list one directory each and
/// `file` tasks register batches of up to `files_per_task` entries.
public enum SyncJob {
    /// The handlers a worker needs to run sync tasks against `catalog`.
    static func handlers(catalog: any Catalog, policies: PolicyProvider, objectStores: (any ObjectStores)? = nil) -> [any TaskHandler] {
        [
            RestartHandler(catalog: catalog, policies: policies, objectStores: objectStores),
            PathHandler(catalog: catalog, policies: policies, objectStores: objectStores),
            FileHandler(catalog: catalog, policies: policies, objectStores: objectStores),
            FinishHandler(catalog: catalog, policies: policies),
        ]
    }

    /// The handlers of a worker whose jobs may name policies `factory` builds, and read buckets or
    /// write s3 resources through `objectStores`.
    public static func handlers(
        catalog: any Catalog, policies factory: PolicyFactory = PolicyFactory(), objectStores: (any ObjectStores)? = nil
    ) -> [any TaskHandler] {
        handlers(catalog: catalog, policies: PolicyProvider(factory: factory), objectStores: objectStores)
    }

    /// Checks the source, target, operation, resource, delete mode and exclusions before anything
    /// is queued, records the job's resource in the catalog, and returns the job's first task.
    /// - Parameters:
    ///   - resources: the resources defined in the configuration file.
    ///   - defaultResource: the configuration's `default_resource`, used by copy operations without `--to_resource`.
    ///   - configurationSource: the configuration file's path, for messages.
    /// - Throws: `IngestError` naming the problem and the fix.
    public static func prepare(
        _ spec: SyncSpec, jobName: String, catalog: any Catalog, resources: [StorageResource] = [],
        defaultResource: String? = nil, configurationSource: String = "the configuration file",
        schedule: JobSchedule? = nil, profileFilename: String? = nil, policies: PolicyFactory = PolicyFactory(),
        objectStores: (any ObjectStores)? = nil
    ) async throws -> (JobDefinition, [NewTask]) {
        var spec = spec
        spec.target = try LogicalPath.normalize(spec.target).get()
        try refuseReservedTarget(spec.target)
        if let access = spec.s3 {
            spec.source = try await validatedBucket(spec, access: access, objectStores: objectStores).description
        } else if S3Path.isURL(spec.source) {
            throw IngestError.invalidSource(path: spec.source, reason: "it is an s3:// URL, but the job has no S3 settings; start it with `ingest start`, which reads --s3_* options")
        } else {
            spec.source = try validatedSource(spec.source)
        }
        guard spec.filesPerTask >= 1 else {
            throw IngestError.invalidOption(name: "--files_per_task", reason: "must be at least 1, got \(spec.filesPerTask)")
        }
        guard spec.deleteMode.isAllowed(with: spec.operation) else {
            let allowed = SyncOperation.allCases.filter { spec.deleteMode.isAllowed(with: $0) }.map(\.rawValue).joined(separator: ", ")
            throw IngestError.invalidOption(
                name: "--delete_mode", reason: "\(spec.deleteMode.rawValue) cannot be used with \(spec.operation.rawValue); it works with \(allowed)")
        }
        for type in spec.exclusions.fileTypes where !ExclusionRules.fileTypeNames.contains(type) {
            throw IngestError.invalidOption(
                name: "--exclude_file_type", reason: "'\(type)' is not one of \(ExclusionRules.fileTypeNames.joined(separator: ", "))")
        }
        _ = try CompiledExclusions(spec.exclusions)
        if spec.operation.copiesData && spec.resource == nil { spec.resource = defaultResource }
        var resourceToRecord: StorageResource?
        if let name = spec.resource, name != StorageResource.inPlace.name {
            guard let resource = resources.first(where: { $0.name == name }) else {
                let defined = resources.map(\.name).joined(separator: ", ")
                throw IngestError.invalidOption(
                    name: "--to_resource",
                    reason: "resource '\(name)' is not defined in \(configurationSource); "
                        + (defined.isEmpty ? "no resources are defined there" : "defined: \(defined)"))
            }
            if spec.operation.copiesData && resource.type != ResourceType.vault.rawValue && resource.type != ResourceType.s3.rawValue {
                throw IngestError.invalidOption(
                    name: "--to_resource", reason: "resource '\(name)' is of type \(resource.type); \(spec.operation.rawValue) copies into vault and s3 resources")
            }
            if spec.operation.copiesData && resource.type == ResourceType.s3.rawValue {
                guard let objectStores else {
                    throw IngestError.invalidOption(name: "--to_resource", reason: "resource '\(name)' is an s3 resource, and this ingest has no S3 client")
                }
                // Its bucket, endpoint and keys (the configuration's) are checked now, not by the first copy.
                _ = try await objectStores.storage(resource: name)
            }
            if resource.type == "vault", let vault = resource.path, spec.s3 == nil { try refuseOverlap(source: spec.source, vault: vault, resource: name) }
            if resource.type == ResourceType.s3.rawValue, let root = resource.path, let bucket = spec.bucketSource, let copies = S3Path(parsing: root) {
                try refuseOverlap(source: bucket, copies: copies, resource: name)
            }
            resourceToRecord = resource
        } else if spec.operation.copiesData {
            throw IngestError.invalidOption(
                name: "--to_resource",
                reason: "\(spec.operation.rawValue) copies files into a storage resource; pass --to_resource NAME or set default_resource in \(configurationSource)")
        }
        for ancestor in LogicalPath.lineage(of: spec.target) {
            if try await catalog.kind(of: ancestor) == .dataObject {
                let reason = ancestor == spec.target
                    ? "it is a data object, not a collection; give a collection path"
                    : "it lies under the data object \(ancestor); give a collection path"
                throw IngestError.invalidTarget(path: spec.target, reason: reason)
            }
        }
        if let policy = spec.policy { try await policies.check(policy) }
        // Only once everything is known to be valid: refused input changes nothing.
        if let resourceToRecord { try await catalog.ensureResource(resourceToRecord) }
        if spec.policy != nil {
            // A policy may send entries to any resource of the configuration (`to_resource`): workers
            // find resources in the catalog.
            for resource in resources where resource.name != resourceToRecord?.name { try await catalog.ensureResource(resource) }
        }
        var taskSpec = spec
        taskSpec.policy = spec.policy?.withoutText
        // A policy's post_job and post_pass hooks run in a task of their own once each pass's work is done.
        let finish = spec.policy == nil ? [] : [NewTask(
            job: jobName, queue: spec.queues.restart, kind: SyncTaskKind.finish, key: spec.source + " (end of pass)",
            payload: PayloadCoding.encode(taskSpec), retry: spec.retry)]
        let job = JobDefinition(
            name: jobName, kind: SyncSpec.jobKind, spec: PayloadCoding.encode(spec), schedule: schedule,
            profileFilename: profileFilename, finalTasks: finish)
        var restart = NewTask(
            job: jobName, queue: spec.queues.restart, kind: SyncTaskKind.restart, key: spec.source,
            payload: PayloadCoding.encode(taskSpec), retry: spec.retry)
        if case .cron = schedule {
            // A cron job's first pass is at its first matching time; an interval job starts now.
            restart.notBefore = schedule?.nextRun(after: currentTimestamp())
        }
        return (job, [restart])
    }

    /// The zone's top level holds its trash, and `/zone/trash` is where delete modes put entries:
    /// a sync into either would mix a user's data with trashed entries (and let a later TRASH pass
    /// replace them).
    static func refuseReservedTarget(_ target: String) throws {
        guard let zone = LogicalPath.lineage(of: target).first else { return }
        let trash = zone + "/trash"
        if target == zone {
            throw IngestError.invalidTarget(
                path: target, reason: "it is the zone itself, whose top level holds \(trash); give a collection below it such as \(zone)/home/rods/data")
        }
        if target == trash || target.utf8.starts(with: (trash + "/").utf8) {
            throw IngestError.invalidTarget(
                path: target, reason: "it is in \(trash), where delete modes keep trashed entries; give a collection outside it such as \(zone)/home/rods/data")
        }
    }

    /// A vault inside the source would copy itself deeper on every pass, and a source inside a vault
    /// would make the user's files look like copies that delete modes may remove.
    static func refuseOverlap(source: String, vault: String, resource: String) throws {
        let vaultPath = resolvedPath(StoredCopies.normalizedVault(vault))
        let sourcePath = resolvedPath(source)
        let overlap: String? =
            vaultPath == sourcePath ? "is the source directory"
            : vaultPath.utf8.starts(with: (sourcePath + "/").utf8) ? "lies inside the source directory"
            : sourcePath.utf8.starts(with: (vaultPath + "/").utf8) ? "holds the source directory" : nil
        if let overlap {
            throw IngestError.invalidSource(
                path: source,
                reason: "the vault of resource '\(resource)' (\(vault)) \(overlap); sync a directory outside the vault, or give the resource a vault path outside the source")
        }
    }

    /// The path with symbolic links resolved as far as it exists (a vault may not have been made yet).
    private static func resolvedPath(_ path: String) -> String {
        var existing = path
        var rest: [String] = []
        while existing.count > 1 {
            if let resolved = realpath(existing, nil) {
                defer { free(resolved) }
                let base = String(cString: resolved)
                return rest.isEmpty ? base : (base == "/" ? "" : base) + "/" + rest.reversed().joined(separator: "/")
            }
            guard let slash = existing.lastIndex(of: "/") else { break }
            rest.append(String(existing[existing.index(after: slash)...]))
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
        return path
    }

    /// A bucket source: `s3://bucket/prefix` or upstream's `/bucket/prefix`, listable with this
    /// process's credentials (checked here, so that wrong keys or a missing bucket queue nothing).
    static func validatedBucket(_ spec: SyncSpec, access: S3Access, objectStores: (any ObjectStores)?) async throws -> S3Path {
        let source = spec.source
        guard let location = S3Path(parsing: source, slashForm: true) else {
            throw IngestError.invalidSource(path: source, reason: "it names no bucket; give s3://BUCKET/PREFIX or, with --s3_keypair, /BUCKET/PREFIX")
        }
        if spec.policy != nil && spec.deleteMode != .doNotDelete {
            // A page of a bucket deletes what its own range of names no longer holds; a policy's renamed
            // catalog names fall outside the range of the page that lists them.
            throw IngestError.invalidOption(
                name: "--delete_mode", reason: "\(spec.deleteMode.rawValue) cannot be combined with a policy on a bucket source yet; use DO_NOT_DELETE")
        }
        if spec.followSymlinks {
            throw IngestError.invalidOption(name: "--follow_symlinks", reason: "a bucket has no symbolic links; leave the option out for \(location)")
        }
        if let chunk = access.multipartChunkSizeMiB, !(5...5120).contains(chunk) {
            throw IngestError.invalidOption(
                name: "--s3_multipart_chunksize_in_mib", reason: "S3 parts are 5 to 5120 MiB, got \(chunk)")
        }
        guard let objectStores else {
            throw IngestError.invalidSource(path: source, reason: "this ingest was built without an S3 client")
        }
        let holdsAnything: Bool
        do {
            holdsAnything = try await objectStores.checkSource(location, access: access)
        } catch let error as IngestError {
            throw error
        } catch {
            throw IngestError.invalidSource(path: location.description, reason: String(describing: error))
        }
        if !holdsAnything && spec.deleteMode != .doNotDelete {
            // A mistyped prefix would otherwise delete everything the job synced before.
            throw IngestError.invalidSource(
                path: location.description,
                reason: "nothing is under it, and with --delete_mode \(spec.deleteMode.rawValue) that would delete every entry synced from it; check the prefix")
        }
        return location
    }

    /// A bucket source and an s3 resource in the same bucket whose prefixes nest would sync the
    /// copies as sources (deeper on every pass), or make sources look like removable copies.
    static func refuseOverlap(source: S3Path, copies: S3Path, resource: String) throws {
        guard source.bucket == copies.bucket else { return }
        let nests = { (outer: String, inner: String) in outer.isEmpty || inner == outer || inner.hasPrefix(outer + "/") }
        if nests(source.prefix, copies.prefix) || nests(copies.prefix, source.prefix) {
            throw IngestError.invalidSource(
                path: source.description,
                reason: "resource '\(resource)' keeps its copies at \(copies), which overlaps it; sync another prefix, or give the resource a prefix outside the source")
        }
    }

    static func validatedSource(_ source: String) throws -> String {
        let absolute = source.hasPrefix("/") ? source : FileManager.default.currentDirectoryPath + "/" + source
        let standardized = URL(fileURLWithPath: absolute).standardizedFileURL.path
        var info = stat()
        guard stat(standardized, &info) == 0 else {
            throw IngestError.invalidSource(path: source, reason: "\(String(cString: strerror(errno))); give an existing directory")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw IngestError.invalidSource(path: source, reason: "it is not a directory; give the directory that holds it")
        }
        return standardized
    }
}

/// Begins a pass: makes sure the target collection exists and lists the source root.
struct RestartHandler: TaskHandler {
    let catalog: any Catalog
    var policies = PolicyProvider(factory: PolicyFactory())
    /// Cleans up the job's s3 resource; nil in a process without an S3 client.
    var objectStores: (any ObjectStores)?
    var kind: String { SyncTaskKind.restart }

    /// How old a multipart upload that no worker finished must be before a pass aborts it: older than
    /// any upload still going (a worker aborts its own when it fails; a killed worker cannot).
    static let abandonedUploadAge: Duration = .seconds(24 * 3600)

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let spec = try PayloadCoding.decode(SyncSpec.self, from: task)
        if spec.policy != nil { try await runStartHooks(spec: spec, task: task, context: context) }
        if spec.operation.copiesData, let name = spec.resource, let objectStores,
            try await catalog.resource(named: name)?.type == ResourceType.s3.rawValue
        {
            // Best effort: a key allowed to write but not to list uploads must not stop the pass.
            do {
                let removed = try await objectStores.storage(resource: name).removeAbandonedWrites(olderThan: Self.abandonedUploadAge)
                if removed > 0 { context.logger.info("aborted \(removed) multipart uploads to resource \(name) that no worker finished") }
            } catch {
                context.logger.warning("could not look for unfinished multipart uploads in resource \(name): \(error)")
            }
        }
        var result = TaskResult()
        result.add(1, to: Counter.entriesSeen)
        if spec.operation == .noOp {
            // NO_OP walks the tree and changes nothing in the catalog, as in iRODS automated ingest.
            result.add(1, to: Counter.entriesSkipped)
        } else {
            let outcome = try await catalog.ensureCollections([spec.target])
            result.add(1, to: outcome.first == .created ? Counter.entriesCreated : Counter.entriesUnchanged)
        }
        let payload = DirectoryTaskPayload(spec: spec, directory: spec.source, collection: spec.target, entries: nil)
        result.spawned.append(NewTask(
            job: task.job, queue: spec.queues.path, kind: SyncTaskKind.path, key: spec.source,
            payload: PayloadCoding.encode(payload), retry: spec.retry))
        return result
    }
}

extension RestartHandler {
    /// `pre_job` and `pre_pass` before every pass (iRODS automated ingest runs `pre_job` at each
    /// restart). A hook that raises fails the pass with its traceback, before anything is synced.
    private func runStartHooks(spec: SyncSpec, task: ClaimedTask, context: TaskContext) async throws {
        let policy = try await policies.policy(
            for: spec, job: task.job, services: PolicyServices(catalog: catalog, broker: context.broker, logger: context.logger))
        try await runJobHooks([.preJob, .prePass], policy: policy, spec: spec, task: task, context: context)
    }
}

/// Runs job and pass hooks (`pre_job`, `post_pass`, ...) the policy defines, in one call; the
/// pass number is in the options (`pass`). A hook that raises fails the task with its traceback.
func runJobHooks(_ hooks: [PolicyHook], policy: any SyncPolicy, spec: SyncSpec, task: ClaimedTask, context: TaskContext) async throws {
    let defined = hooks.filter { policy.capabilities.hooks.contains($0) }
    guard !defined.isEmpty else { return }
    let pass = try await context.broker?.job(named: task.job)?.pass ?? 1
    let root = PolicyEntry(path: spec.source, target: spec.target, entryType: .directory)
    let calls = defined.map { HookCall(hook: $0, entry: root, options: ["pass": String(pass)]) }
    let outcomes = try await policy.runHooks(calls, job: PolicyJob(name: task.job, spec: spec))
    for (hook, outcome) in zip(defined, outcomes) {
        if let error = outcome.error { throw PermanentTaskError("\(hook.rawValue) failed:\n\(error)") }
    }
}

/// Ends a pass of a job with a policy: `post_job` and `post_pass`, after every other task of the
/// pass (the broker queues it as the job's final task), in every pass of a periodic job.
struct FinishHandler: TaskHandler {
    let catalog: any Catalog
    var policies = PolicyProvider(factory: PolicyFactory())
    var kind: String { SyncTaskKind.finish }

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let spec = try PayloadCoding.decode(SyncSpec.self, from: task)
        guard spec.policy != nil else { return TaskResult() }
        let policy = try await policies.policy(
            for: spec, job: task.job, services: PolicyServices(catalog: catalog, broker: context.broker, logger: context.logger))
        try await runJobHooks([.postPass, .postJob], policy: policy, spec: spec, task: task, context: context)
        return TaskResult()
    }
}
