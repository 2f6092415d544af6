import Foundation
import IngestCore

/// Lists one directory: creates the collections of its subdirectories, queues a `path` task for
/// each, queues `file` tasks for the files that are new or changed, and (with a delete mode)
/// removes catalog entries whose source entry is gone.
///
/// Change detection compares each file's size and mtime with the catalog, looked up once per
/// slice of the listing; unchanged files are counted here and never reach a `file` task.
struct PathHandler: TaskHandler {
    let catalog: any Catalog
    var policies = PolicyProvider(factory: PolicyFactory())
    /// Opens bucket sources; nil in a process that has no object-store client.
    var objectStores: (any ObjectStores)?
    var kind: String { SyncTaskKind.path }

    /// How many listed files are compared against the catalog in one query.
    static let lookupSliceSize = 1000

    /// A listing that has seen more entries than this hands its directory to shares of at most about
    /// this many entries each (`DirectoryPartition`), so that no task holds the child tasks of a
    /// directory of millions of files in memory.
    static let partitionThreshold = 10_000

    /// A subdirectory to descend into.
    struct Subdirectory: Sendable {
        var name: String
        var rawName: [UInt8]?
        var nameBytes: [UInt8]
        /// The directory the listing saw (the link's target when following links).
        var identity: EntryIdentity?
        /// Reached through a symbolic link (`--follow_symlinks`).
        var viaLink = false

        /// A policy renamed it in the catalog (`character_map`).
        var renamed = false

        /// The name as source paths spell it (differs from `name` when a policy renamed the collection).
        var sourceName: String { rawName == nil ? name : NameEscaping.text(for: nameBytes).text }
    }

    /// What the listing made of one entry.
    enum Listed: Sendable {
        case skipped(reason: String)
        case failed(FileEntry, error: String)
        case directory(Subdirectory)
        case file(FileEntry)

        /// The catalog name of a directory a policy renamed.
        var renamedDirectory: ExactName? {
            if case .directory(let directory) = self, directory.renamed { ExactName(directory.name) } else { nil }
        }
    }

    /// Where a listing's entries come from: a directory read slice by slice, or one page of a bucket.
    private enum Lister {
        case directory(DirectoryReader)
        case bucket(SourcePage)
    }

    /// Up to `lookupSliceSize` entries, read on a blocking-I/O thread.
    struct ListingSlice: Sendable {
        var items: [Listed] = []
        /// Every listed name (excluded and failed ones too): they are present, so never deleted.
        var names: [ExactName] = []
        var entriesSeen: Int64 = 0
        var bytesSeen: Int64 = 0
        var ended = false
    }

    /// What the catalog holds in the listed collection (in this task's share of it).
    private struct ExistingChildren {
        var objects: Set<ExactName>
        var collections: Set<ExactName>
        var objectNames: [String]
        var collectionNames: [String]

        init(_ children: CollectionChildren, partition: DirectoryPartition?, page: ClosedRangeOfKeys? = nil) {
            let inShare = { (name: String) in partition?.contains(Array(name.utf8)) ?? true }
            objectNames = children.objects.filter { inShare($0) && page?.contains(Array($0.utf8)) != false }
            collectionNames = children.collections.filter { inShare($0) && page?.contains(Array($0.utf8) + [UInt8(ascii: "/")]) != false }
            objects = Set(objectNames.map { ExactName($0) })
            collections = Set(collectionNames.map { ExactName($0) })
        }
    }

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let decoded = try PayloadCoding.decode(DirectoryTaskPayload.self, from: task)
        let policy: any SyncPolicy = decoded.spec.policy == nil
            ? JobOptionsPolicy()
            : try await policies.policy(
                for: decoded.spec, job: task.job, services: PolicyServices(catalog: catalog, broker: context.broker, logger: context.logger))
        let policyJob = PolicyJob(name: task.job, spec: decoded.spec)
        let payload = decoded
        var result = TaskResult()
        // The directory's own delete mode (the policy's `delete_mode`) applies to this listing's
        // deletions only; children and file tasks keep the job's spec.
        var deletion = decoded
        if policy.capabilities.decidesDeleteMode {
            deletion.spec.deleteMode = try await directoryDeleteMode(policy: policy, job: policyJob, payload: decoded)
        }
        let spec = payload.spec
        let exclusions = try CompiledExclusions(spec.exclusions)
        let cancellation = context.cancellation
        let deleting = deletion.spec.deleteMode != .doNotDelete
        let lister: Lister
        var ancestors = payload.ancestors ?? []
        var pageRange: ClosedRangeOfKeys?
        if let bucket = spec.bucketSource {
            // A bucket's prefix is listed one page per task; the next page is a task of its own.
            let page = try await listPage(of: bucket, payload: payload)
            lister = .bucket(page)
            // A page's share of the collection ends at its last entry; an empty page that is not the last
            // (servers return them) covers nothing and deletes nothing.
            let lastKey = page.entries.last.map { String(decoding: $0.listingKey, as: UTF8.self) } ?? payload.page?.after
            pageRange = ClosedRangeOfKeys(after: payload.page?.after, through: page.cursor == nil ? nil : Array((lastKey ?? "").utf8))
            if page.cursor != nil {
                var next = payload
                next.page = ListingPage(cursor: page.cursor, after: lastKey)
                result.spawned.append(NewTask(
                    job: task.job, queue: spec.queues.path, kind: SyncTaskKind.path, key: "\(payload.directory) (after \(lastKey ?? "the start"))",
                    payload: PayloadCoding.encode(next), retry: spec.retry))
            }
        } else {
            let reader = try await BlockingIO.run(cancellation: cancellation) { try Self.open(payload) }
            lister = .directory(reader)
            if spec.followSymlinks {
                let identity = reader.identity
                ancestors.append(EntryIdentity(device: identity.device, inode: identity.inode))
            }
        }
        // A collection the parent has just created holds nothing to compare with, replace or delete;
        // NO_OP replaces and deletes nothing. A bucket's page reads the collection only to delete:
        // reading all of it for each page of a large prefix would cost more than the listing.
        let existing = payload.collectionIsNew == true || spec.operation == .noOp || (pageRange != nil && !deleting)
            ? nil : ExistingChildren(try await catalog.children(of: payload.collection), partition: payload.partition, page: pageRange)
        var listedNames = Set<ExactName>()
        var subdirectories: [Subdirectory] = []
        var pendingFiles: [FileEntry] = []
        // Entries whose kind changed: the catalog's object became a directory, or its collection a file.
        var objectsNowDirectories: [String] = []
        var collectionsNowFiles: [String] = []
        var entriesSeen: Int64 = 0
        var bytesSeen: Int64 = 0
        let listingAncestors = ancestors
        // Which replicas are this job's copies (copy operations), looked up once per listing.
        var ownership: Ownership?
        while true {
            let slice: ListingSlice
            switch lister {
            case .directory(let reader):
                slice = try await BlockingIO.run(cancellation: cancellation) {
                    try Self.listSlice(reader: reader, payload: payload, exclusions: exclusions, ancestors: listingAncestors, cancellation: cancellation)
                }
            case .bucket(let page):
                slice = Self.bucketSlice(page, payload: payload, exclusions: exclusions)
            }
            entriesSeen += slice.entriesSeen
            bytesSeen += slice.bytesSeen
            if case .directory(let reader) = lister, payload.partition == nil && entriesSeen > Self.partitionThreshold {
                // What was read so far is dropped (nothing was written): the shares list it again.
                let rest = try await BlockingIO.run(cancellation: cancellation) { try reader.countRemaining() }
                return shares(of: payload, entries: Int(entriesSeen) + rest, task: task)
            }
            if deleting { listedNames.formUnion(slice.names) }
            var items = slice.items
            if policy.capabilities.namesDirectories {
                items = try await decideDirectories(items, policy: policy, job: policyJob, payload: payload, result: &result)
                if deleting { listedNames.formUnion(items.compactMap(\.renamedDirectory)) }
            }
            for item in items {
                switch item {
                case .skipped(let reason):
                    skip(&result, reason: reason)
                case .failed(let entry, let error):
                    result.spawned.append(failedEntry(entry, error: error, task: task, payload: payload))
                case .directory(let subdirectory):
                    if existing?.objects.contains(ExactName(subdirectory.name)) == true { objectsNowDirectories.append(subdirectory.name) }
                    subdirectories.append(subdirectory)
                case .file(let entry):
                    if existing?.collections.contains(ExactName(entry.name)) == true { collectionsNowFiles.append(entry.name) }
                    pendingFiles.append(entry)
                }
            }
            if pendingFiles.count >= Self.lookupSliceSize || slice.ended {
                if ownership == nil && spec.operation.copiesData && payload.collectionIsNew != true {
                    ownership = try await Ownership(spec: spec, catalog: catalog)
                }
                if policy.capabilities.decidesFiles {
                    let decided = try await decideFiles(pendingFiles, policy: policy, job: policyJob, task: task, payload: payload, result: &result)
                    if deleting { listedNames.formUnion(decided.renamed) }
                    try await queueDecidedFiles(decided, task: task, payload: payload, result: &result)
                } else {
                    try await queueChangedFiles(pendingFiles, task: task, payload: payload, ownership: ownership, result: &result)
                }
                pendingFiles.removeAll(keepingCapacity: true)
            }
            if slice.ended { break }
        }
        result.add(entriesSeen, to: Counter.entriesSeen)
        result.add(bytesSeen, to: Counter.bytesSeen)
        if !objectsNowDirectories.isEmpty || !collectionsNowFiles.isEmpty {
            try await replaceChangedKinds(objects: objectsNowDirectories, collections: collectionsNowFiles, payload: deletion, result: &result)
        }
        if spec.followSymlinks, let broker = context.broker {
            subdirectories = try await firstVisits(subdirectories, broker: broker, task: task, payload: payload, result: &result)
        }
        let collectionHooks = CollectionHooks(policy: policy, job: policyJob, existing: existing?.collections)
        try await createCollections(
            for: subdirectories, payload: payload, ancestors: ancestors, hooks: collectionHooks, task: task, result: &result)
        if deleting, let existing {
            try await deleteVanished(
                listedNames: listedNames, existing: existing, payload: deletion,
                hooks: DeleteHooks(policy: policy, job: policyJob), task: task, result: &result)
        }
        return result
    }

    /// With `--follow_symlinks`, the subdirectories this listing may walk: each directory (device and
    /// inode) is claimed by the first path that reaches it in the pass, and a link to a directory
    /// some other path claimed is skipped, so links between directories cannot multiply the walk.
    /// Real subdirectories are always walked (the source tree stays complete); they claim too, so
    /// links to them are not walked a second time.
    private func firstVisits(
        _ subdirectories: [Subdirectory], broker: any Broker, task: ClaimedTask, payload: DirectoryTaskPayload,
        result: inout TaskResult
    ) async throws -> [Subdirectory] {
        var kept: [Subdirectory] = []
        kept.reserveCapacity(subdirectories.count)
        for slice in subdirectories.chunked(into: Self.lookupSliceSize) {
            let claims = slice.map { subdirectory in
                FirstClaim(
                    key: subdirectory.identity.map { "dir \($0.device):\($0.inode)" } ?? "path \(payload.sourcePath(subdirectory.sourceName))",
                    owner: payload.sourcePath(subdirectory.sourceName))
            }
            let owners = try await broker.claimFirst(job: task.job, claims: claims)
            for ((subdirectory, claim), owner) in zip(zip(slice, claims), owners) {
                if subdirectory.viaLink && owner != claim.owner {
                    skip(&result, reason: "link_visited")
                } else {
                    kept.append(subdirectory)
                }
            }
        }
        return kept
    }

    /// Opens the listed directory; one that is gone, unreadable or replaced since its parent's listing
    /// fails the task for good (retrying cannot bring it back).
    private static func open(_ payload: DirectoryTaskPayload) throws -> DirectoryReader {
        do {
            return try DirectoryReader(
                bytes: payload.directoryBytes, displayPath: payload.directory, expected: payload.identity,
                followLinks: payload.spec.followSymlinks)
        } catch let error as FileSystemError where [ENOENT, EACCES, ENOTDIR, ELOOP].contains(error.code) {
            throw PermanentTaskError(error.description)
        } catch let error as EntryReplaced {
            throw PermanentTaskError(error.description)
        }
    }

    /// Reads and classifies up to `lookupSliceSize` entries (of this task's share).
    private static func listSlice(
        reader: DirectoryReader, payload: DirectoryTaskPayload, exclusions: CompiledExclusions, ancestors: [EntryIdentity],
        cancellation: TaskCancellation
    ) throws -> ListingSlice {
        let spec = payload.spec
        var slice = ListingSlice()
        while slice.items.count < lookupSliceSize {
            try cancellation.check()
            guard let listed = try reader.next() else {
                slice.ended = true
                break
            }
            let (name, escaped) = NameEscaping.text(for: listed.nameBytes)
            if let partition = payload.partition, !partition.contains(Array(name.utf8)) { continue }
            slice.entriesSeen += 1
            slice.names.append(ExactName(name))
            // Built only when a pattern needs it: most syncs have none, and it is a string per entry.
            var fullPath: String { payload.sourcePath(name) }
            let rawName = escaped ? Data(listed.nameBytes) : nil
            var entry = listed
            var linkTarget: String?
            if let error = listed.statError {
                slice.items.append(.failed(FileEntry(name: name, size: 0, mtimeNanos: 0, rawName: rawName), error: error.description))
                continue
            }
            if exclusions.excludes(type: entry.type) {
                slice.items.append(.skipped(reason: "excluded"))
                continue
            }
            if entry.type == .link {
                if spec.followSymlinks {
                    guard let target = try? reader.stat(entry: entry.nameBytes, followLinks: true) else {
                        slice.items.append(.skipped(reason: "dangling_link"))
                        continue
                    }
                    entry.type = DirectoryReader.fileType(mode: target.st_mode)
                    entry.size = Int64(target.st_size)
                    entry.mtimeNanos = target.mtimeNanos
                    entry.identity = EntryIdentity(target)
                    if entry.type == .directory, let identity = entry.identity, ancestors.contains(identity) {
                        slice.items.append(.skipped(reason: "link_cycle"))
                        continue
                    }
                    if exclusions.excludes(type: entry.type) {
                        slice.items.append(.skipped(reason: "excluded"))
                        continue
                    }
                } else {
                    // Recorded, not followed: the object stands for the link itself.
                    do {
                        let info = try reader.stat(entry: entry.nameBytes)
                        entry.size = Int64(info.st_size)
                        entry.mtimeNanos = info.mtimeNanos
                        linkTarget = NameEscaping.text(for: try reader.linkTarget(entry: entry.nameBytes)).text
                    } catch let error as FileSystemError {
                        slice.items.append(.failed(FileEntry(name: name, size: 0, mtimeNanos: 0, rawName: rawName), error: error.description))
                        continue
                    }
                }
            }

            switch entry.type {
            case .directory:
                if exclusions.excludesDirectory(fullPath) {
                    slice.items.append(.skipped(reason: "excluded"))
                    continue
                }
                slice.items.append(.directory(Subdirectory(
                    name: name, rawName: escaped ? entry.nameBytes : nil, nameBytes: entry.nameBytes, identity: entry.identity,
                    viaLink: listed.type == .link)))
            case .regular, .link:
                if exclusions.excludesFile(fullPath) {
                    slice.items.append(.skipped(reason: "excluded"))
                    continue
                }
                slice.bytesSeen += entry.size
                slice.items.append(.file(FileEntry(
                    name: name, size: entry.size, mtimeNanos: entry.mtimeNanos, rawName: rawName, linkTarget: linkTarget,
                    identity: entry.type == .regular ? entry.identity : nil)))
            case .character, .block, .socket, .pipe, .unknown:
                slice.items.append(.skipped(reason: exclusions.excludesFile(fullPath) ? "excluded" : entry.type.rawValue))
            }
        }
        return slice
    }

    /// A directory too large for one task becomes `path` tasks of one share each.
    private func shares(of payload: DirectoryTaskPayload, entries: Int, task: ClaimedTask) -> TaskResult {
        let count = (entries + Self.partitionThreshold - 1) / Self.partitionThreshold
        var result = TaskResult()
        for index in 0..<count {
            var share = payload
            share.partition = DirectoryPartition(index: index, count: count)
            result.spawned.append(NewTask(
                job: task.job, queue: payload.spec.queues.path, kind: SyncTaskKind.path,
                key: "\(payload.directory) (share \(index + 1) of \(count))", payload: PayloadCoding.encode(share), retry: payload.spec.retry))
        }
        return result
    }

    /// An entry that failed while listing: recorded in the failed registry as a `file` task of its own.
    private func failedEntry(_ entry: FileEntry, error: String, task: ClaimedTask, payload: DirectoryTaskPayload) -> NewTask {
        var single = payload
        single.entries = [entry]
        single.ancestors = nil
        return NewTask(
            job: task.job, queue: payload.spec.queues.file, kind: SyncTaskKind.file, key: payload.sourcePath(entry.sourceName),
            payload: PayloadCoding.encode(single), retry: payload.spec.retry, entryCount: 1, failedWithError: error)
    }

    func skip(_ result: inout TaskResult, reason: String) {
        result.add(1, to: Counter.entriesSkipped)
        result.add(1, to: Counter.skippedPrefix + reason)
    }

    /// Counts unchanged files and queues the rest in `file` tasks of `files_per_task` entries; files
    /// the catalog does not have at all go in tasks of their own, marked so that they skip the look-up.
    func queueChangedFiles(
        _ files: [FileEntry], decisions: [EntryDecision]? = nil, task: ClaimedTask, payload: DirectoryTaskPayload, ownership: Ownership?,
        result: inout TaskResult
    ) async throws {
        guard !files.isEmpty else { return }
        let spec = payload.spec
        // Files and their decisions travel together through change detection and batching.
        // Only decisions that say something travel (most say nothing beyond their group's spec).
        var decisionOf: [ExactName: EntryDecision] = [:]
        for (file, decision) in zip(files, decisions ?? []) where decision != .jobDefault {
            decisionOf[ExactName(file.name)] = decision
        }
        var changed = files
        var new: [FileEntry] = []
        if payload.collectionIsNew == true {
            // The parent's task created the collection just now: every file is new to it.
            new = files
            changed = []
        } else if !spec.initialIngest && !spec.ignoreCache && spec.checksum == nil {
            // Unchanged means: this job's replica (on its resource) has the file's size and mtime and,
            // for files registered in place, points at this very file.
            let known = try await catalog.replicaFingerprints(
                in: payload.collection, names: files.map(\.name), resource: spec.replicaResource, directory: payload.directory)
            changed = []
            var unchanged: Int64 = 0
            var unchangedBytes: Int64 = 0
            for file in files {
                guard let replica = known[ExactName(file.name)] else {
                    new.append(file)
                    continue
                }
                // A copy operation's file is unchanged only when its replica is this job's copy; a link is
                // registered in place, and a file that was a link when last listed must now be copied.
                var isSameReplica = file.linkTarget != nil || !spec.operation.copiesData
                    ? replica.isInDirectory : ownership?.isCopy(replica) ?? false
                if !spec.operation.copiesData || file.linkTarget != nil, let expected = expectedPhysicalPath(of: file, decision: decisionOf[ExactName(file.name)], payload: payload) {
                    // Registered at a path the policy chose (`target_path`), or under its name on disk
                    // when the policy renamed it in the catalog.
                    isSameReplica = replica.physicalPath == expected
                }
                if replica.size == file.size, replica.mtimeNanos == file.mtimeNanos, isSameReplica {
                    unchanged += 1
                    unchangedBytes += file.size
                } else {
                    changed.append(file)
                }
            }
            result.add(unchanged, to: Counter.entriesUnchanged)
            result.add(unchangedBytes, to: Counter.bytesDone)
        }
        for (entries, areNew) in [(new, true), (changed, false)] {
            for batch in entries.chunked(into: spec.filesPerTask) {
                var filePayload = payload
                filePayload.entries = Array(batch)
                filePayload.ancestors = nil
                filePayload.collectionIsNew = nil
                filePayload.entriesAreNew = areNew ? true : nil
                if !decisionOf.isEmpty {
                    let batchDecisions = batch.map { decisionOf[ExactName($0.name)] ?? .jobDefault }
                    if batchDecisions.contains(where: { $0 != .jobDefault }) { filePayload.decisions = batchDecisions }
                }
                result.spawned.append(NewTask(
                    job: task.job, queue: spec.queues.file, kind: SyncTaskKind.file,
                    key: payload.sourcePath(batch[batch.startIndex].sourceName),
                    payload: PayloadCoding.encode(filePayload), retry: spec.retry, entryCount: batch.count))
            }
        }
    }

    private func createCollections(
        for subdirectories: [Subdirectory], payload: DirectoryTaskPayload, ancestors: [EntryIdentity], hooks: CollectionHooks?,
        task: ClaimedTask, result: inout TaskResult
    ) async throws {
        let spec = payload.spec
        var sorted = subdirectories.sorted { $0.name < $1.name }
        var hookFailures: [ExactName: String] = [:]
        if let hooks {
            // A directory whose pre hook raised is neither created nor listed; it is recorded as a failed
            // listing, which `ingest requeue` runs again.
            let failures = try await hooks.run(pre: true, sorted, payload: payload)
            for subdirectory in sorted {
                guard let error = failures[ExactName(subdirectory.name)] else { continue }
                result.spawned.append(childTask(subdirectory, payload: payload, ancestors: ancestors, isNew: false, task: task, failedWithError: error))
            }
            sorted.removeAll { failures[ExactName($0.name)] != nil }
        }
        let collections = sorted.map { LogicalPath.join(payload.collection, $0.name) }
        var created: [Bool] = []
        created.reserveCapacity(collections.count)
        // NO_OP walks the tree and creates nothing.
        let creating = spec.operation != .noOp
        if !creating {
            result.add(Int64(collections.count), to: Counter.entriesSkipped)
        }
        for slice in collections.chunked(into: 1000) where creating {
            let outcomes = try await catalog.ensureCollections(Array(slice))
            for outcome in outcomes {
                result.add(1, to: outcome == .created ? Counter.entriesCreated : Counter.entriesUnchanged)
                created.append(outcome == .created)
            }
        }
        if !creating { created = Array(repeating: false, count: collections.count) }
        for (subdirectory, collection) in zip(sorted, collections) where creating {
            if let rawName = subdirectory.rawName {
                var metadata = [OddNames.originalName(rawName)]
                if subdirectory.renamed { metadata.append(Self.renamedFrom(subdirectory.sourceName, directory: payload.directory)) }
                try await catalog.addMetadata(metadata, to: collection)
            }
        }
        if let hooks {
            // Post hooks for the collections made (for NO_OP, those that would have been).
            let made = zip(sorted, created).filter { creating ? $0.1 : true }.map(\.0)
            hookFailures = try await hooks.run(pre: false, made, payload: payload)
        }
        for (subdirectory, isNew) in zip(sorted, created) {
            result.spawned.append(childTask(
                subdirectory, payload: payload, ancestors: ancestors, isNew: isNew, task: task, failedWithError: hookFailures[ExactName(subdirectory.name)]))
        }
    }

    /// The `path` task that lists a subdirectory.
    private func childTask(
        _ subdirectory: Subdirectory, payload: DirectoryTaskPayload, ancestors: [EntryIdentity], isNew: Bool, task: ClaimedTask,
        failedWithError: String? = nil
    ) -> NewTask {
        let spec = payload.spec
        let directory = payload.sourcePath(subdirectory.sourceName)
        let directoryBytes = DirectoryReader.joinBytes(payload.directoryBytes, subdirectory.nameBytes)
        let needsRawPath = payload.rawDirectory != nil || subdirectory.rawName != nil
        var child = DirectoryTaskPayload(
            spec: spec, directory: directory, rawDirectory: needsRawPath ? Data(directoryBytes) : nil,
            collection: LogicalPath.join(payload.collection, subdirectory.name), entries: nil, ancestors: spec.followSymlinks ? ancestors : nil)
        child.collectionIsNew = isNew ? true : nil
        child.identity = subdirectory.identity
        return NewTask(
            job: task.job, queue: spec.queues.path, kind: SyncTaskKind.path, key: directory,
            payload: PayloadCoding.encode(child), retry: spec.retry, failedWithError: failedWithError)
    }

    /// Applies the delete mode to catalog entries of this collection that the listing no longer has.
    /// Excluded, skipped and unreadable entries were listed, so they are never deleted. Only objects
    /// with a replica this job made are this job's to delete (see `Ownership`): another job sharing
    /// the collection (another source, or another resource) keeps its entries, and a sub-collection
    /// that holds any of them stays.
    private func deleteVanished(
        listedNames: Set<ExactName>, existing: ExistingChildren, payload: DirectoryTaskPayload, hooks: DeleteHooks?, task: ClaimedTask,
        result: inout TaskResult
    ) async throws {
        let vanishedObjects = existing.objectNames.filter { !listedNames.contains(ExactName($0)) }
        let vanishedCollections = existing.collectionNames.filter { !listedNames.contains(ExactName($0)) }
        guard !vanishedObjects.isEmpty || !vanishedCollections.isEmpty else { return }
        let spec = payload.spec
        let ownership = try await Ownership(spec: spec, catalog: catalog)
        var objects: [String] = []
        for slice in vanishedObjects.chunked(into: Self.lookupSliceSize) {
            let names = Array(slice)
            let replicas = try await catalog.replicaFingerprints(
                in: payload.collection, names: names, resource: spec.replicaResource, directory: payload.directory)
            for name in names where replicas[ExactName(name)].map(ownership.isOurs) ?? false {
                // Deleting removes the whole object: one that also has replicas on other resources
                // (another job's copies) stays, with this job's replica, rather than take them along.
                if try await ownership.isWhollyOurs(LogicalPath.join(payload.collection, name), catalog: catalog) {
                    objects.append(name)
                } else {
                    result.add(1, to: Counter.skippedPrefix + "shared_object")
                }
            }
        }
        var collections: [String] = []
        for name in vanishedCollections {
            let collection = LogicalPath.join(payload.collection, name)
            if try await ownership.holdsOnlyOurs(collection, sourceDirectory: payload.sourcePath(name), catalog: catalog) {
                collections.append(name)
            } else {
                result.add(1, to: Counter.skippedPrefix + "shared_collection")
            }
        }
        guard !objects.isEmpty || !collections.isEmpty else { return }
        if let hooks {
            let failures = try await hooks.run(pre: true, objects: objects, collections: collections, payload: payload)
            if !failures.isEmpty {
                // Kept for now; the listing is recorded as failed with the hook's error, and `ingest
                // requeue` lists the directory, and deletes, again.
                objects.removeAll { failures[ExactName($0)] != nil }
                collections.removeAll { failures[ExactName($0)] != nil }
                result.spawned.append(failedListing(payload, task: task, error: failures.values.sorted().joined(separator: "\n")))
            }
            guard !objects.isEmpty || !collections.isEmpty else { return }
        }
        try await applyDeleteMode(spec.deleteMode, objects: objects, collections: collections, payload: payload)
        result.add(Int64(objects.count + collections.count), to: Counter.entriesDeleted)
        if let hooks {
            let failures = try await hooks.run(pre: false, objects: objects, collections: collections, payload: payload)
            if !failures.isEmpty {
                result.spawned.append(failedListing(payload, task: task, error: failures.values.sorted().joined(separator: "\n")))
            }
        }
    }

    /// This listing, recorded as failed with `error` (a hook that raised), for `ingest requeue`.
    /// - Parameter entries: how many entries failed (counted as failed entries of the job).
    func failedListing(_ payload: DirectoryTaskPayload, task: ClaimedTask, error: String, entries: Int = 1) -> NewTask {
        NewTask(
            job: task.job, queue: payload.spec.queues.path, kind: SyncTaskKind.path, key: payload.directory,
            payload: PayloadCoding.encode(payload), retry: payload.spec.retry, entryCount: entries, failedWithError: error)
    }

    /// A file that became a directory, or a directory that became a file: the old entry makes way for
    /// the new one by the job's delete mode, and with DO_NOT_DELETE it goes to the trash, so that
    /// nothing is lost and a name is never both a collection and an object.
    /// An entry that is not wholly this job's (another job's replicas, registrations or copies) goes to
    /// the trash whatever the mode, so that its copies are moved, never deleted.
    private func replaceChangedKinds(objects: [String], collections: [String], payload: DirectoryTaskPayload, result: inout TaskResult) async throws {
        var mode = payload.spec.deleteMode == .doNotDelete ? DeleteMode.trash : payload.spec.deleteMode
        if mode != .trash {
            let ownership = try await Ownership(spec: payload.spec, catalog: catalog)
            for name in objects where try await !ownership.isWhollyOurs(LogicalPath.join(payload.collection, name), catalog: catalog) {
                mode = .trash
            }
            for name in collections where mode != .trash {
                if try await !ownership.holdsOnlyOurs(
                    LogicalPath.join(payload.collection, name), sourceDirectory: payload.sourcePath(name), catalog: catalog)
                {
                    mode = .trash
                }
            }
        }
        try await applyDeleteMode(mode, objects: objects, collections: collections, payload: payload)
        if payload.spec.deleteMode != .doNotDelete {
            result.add(Int64(objects.count + collections.count), to: Counter.entriesDeleted)
        }
    }

    /// Removes entries of the listed collection by `mode`, then the vault directories the removal of
    /// collections left empty (one would be in the way of a file's copy of the same name).
    private func applyDeleteMode(_ mode: DeleteMode, objects: [String], collections: [String], payload: DirectoryTaskPayload) async throws {
        let spec = payload.spec
        switch mode {
        case .doNotDelete:
            return
        case .unregister:
            _ = try await catalog.unregister(in: payload.collection, objects: objects, collections: collections)
        case .noTrash:
            let removed = try await catalog.unregister(in: payload.collection, objects: objects, collections: collections)
            try await StoredCopies.remove(removed, catalog: catalog, source: spec.source)
            let roots = try await StoredCopies.objectStoreRoots(catalog: catalog)
            if !roots.isEmpty { try await StoredCopies.removeObjects(removed, roots: roots, objectStores: objectStores, source: spec.source) }
        case .trash:
            let zone = LogicalPath.lineage(of: payload.collection).first ?? payload.collection
            let vaults = try await StoredCopies.vaultPaths(catalog: catalog)
            // An s3 resource's trash is under its prefix as a vault's is under its directory.
            let roots = try await StoredCopies.objectStoreRoots(catalog: catalog)
            let source = spec.source
            let copies = try await catalog.moveToTrash(
                in: payload.collection, objects: objects, collections: collections, trashRoot: zone + "/trash",
                relocate: { resource, path in StoredCopies.trashPath(of: path, vault: vaults[resource] ?? roots[resource], zone: zone, source: source) })
            try StoredCopies.apply(copies, vaults: vaults, source: source)
            if !roots.isEmpty { try await StoredCopies.applyToObjects(copies, roots: roots, objectStores: objectStores, source: source) }
        }
        if !collections.isEmpty, mode == .trash || mode == .noTrash, let resource = spec.resource,
            let vault = try await StoredCopies.vaultPaths(catalog: catalog)[resource]
        {
            for name in collections {
                StoredCopies.removeEmptyDirectories(
                    StoredCopies.vaultDirectory(vault: vault, collection: LogicalPath.join(payload.collection, name)), vault: vault, source: spec.source)
            }
        }
    }
}

/// Which catalog entries a sync job may delete: those whose replica it made. A register
/// operation's replica is the file at its place in the job's source; a copy operation's is a copy
/// inside the vault of the job's resource. Another job's registration on the same resource, or a
/// copy another resource holds, is not this job's.
struct Ownership: Sendable {
    let spec: SyncSpec
    /// The vault of the job's resource, for copy operations.
    let vault: String?

    init(spec: SyncSpec, catalog: any Catalog) async throws {
        self.spec = spec
        guard spec.operation.copiesData else {
            vault = nil
            return
        }
        // An s3 resource's copies are the objects under its location, as a vault's are files under its directory.
        if let path = try await StoredCopies.vaultPaths(catalog: catalog)[spec.replicaResource] {
            vault = path
        } else {
            vault = try await StoredCopies.objectStoreRoots(catalog: catalog)[spec.replicaResource]
        }
    }

    /// For an object of the listed collection: its replica on the job's resource is this job's (a copy
    /// job also registers links in place, at their place in its source).
    func isOurs(_ replica: ReplicaFingerprint) -> Bool {
        replica.isInDirectory || (spec.operation.copiesData && isOursCopy(replica.physicalPath))
    }

    /// For a copy job: the replica is a copy in its vault (not a file registered in place).
    func isCopy(_ replica: ReplicaFingerprint) -> Bool {
        isOursCopy(replica.physicalPath)
    }

    /// Whether every replica of the object at `path` is this job's: on its resource, and made by it.
    func isWhollyOurs(_ path: String, catalog: any Catalog) async throws -> Bool {
        guard let object = try await catalog.dataObject(at: path) else { return true }
        return object.replicas.allSatisfy { replica in
            replica.resource == spec.replicaResource && (isOursCopy(replica.physicalPath) || isInSource(replica.physicalPath))
        }
    }

    private func isInSource(_ physicalPath: String) -> Bool {
        let source = spec.source.hasSuffix("/") ? spec.source : spec.source + "/"
        return physicalPath.utf8.starts(with: source.utf8)
    }

    private func isOursCopy(_ physicalPath: String) -> Bool {
        StoredCopies.isRemovable(physicalPath, vault: vault, source: spec.source)
    }

    /// Whether every object under `collection` has its replica on the job's resource made by this
    /// job (a registration under `sourceDirectory`, or a copy in the vault).
    func holdsOnlyOurs(_ collection: String, sourceDirectory: String, catalog: any Catalog) async throws -> Bool {
        let prefix = sourceDirectory.hasSuffix("/") ? sourceDirectory : sourceDirectory + "/"
        var cursor: Int64?
        repeat {
            let page = try await catalog.objects(under: collection, after: cursor, limit: 1000)
            for object in page.objects {
                // Every replica this job's: on its resource, and a file under this directory of its
                // source (registered in place, links too) or, for copy jobs, a copy in its vault.
                let allOurs = !object.replicas.isEmpty && object.replicas.allSatisfy { replica in
                    replica.resource == spec.replicaResource
                        && (replica.physicalPath.utf8.starts(with: prefix.utf8)
                            || (spec.operation.copiesData && isOursCopy(replica.physicalPath)))
                }
                if !allOurs { return false }
            }
            cursor = page.cursor
        } while cursor != nil
        return true
    }
}

/// Metadata that keeps what escaping and link registration would otherwise lose.
public enum OddNames {
    /// Who a policy's `as_user` says owns the object.
    public static let ownerAttribute = "ingest::owner"

    static func originalName(_ bytes: [UInt8]) -> MetadataTriple {
        MetadataTriple(attribute: "ingest::original_name", value: Data(bytes).base64EncodedString(), units: "base64")
    }

    static func originalPath(_ bytes: [UInt8]) -> MetadataTriple {
        MetadataTriple(attribute: "ingest::original_path", value: Data(bytes).base64EncodedString(), units: "base64")
    }

    static func linkTarget(_ target: String) -> MetadataTriple {
        MetadataTriple(attribute: "link_target", value: target)
    }

    /// A path as listings spell it: each component escaped on its own (a valid component keeps its
    /// `%`, one that is not valid UTF-8 has it escaped), joined by `/`.
    static func escapedPerComponent(_ bytes: [UInt8]) -> String {
        bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { NameEscaping.text(for: Array($0)).text }
            .joined(separator: "/")
    }

    /// The real bytes of a replica's physical path: from metadata when the stored path is the escaped
    /// form of a source path that is not valid UTF-8 (copies in vaults carry their escaped names for real).
    public static func physicalPathBytes(of replica: Replica, metadata: [MetadataTriple]) -> [UInt8] {
        if let original = metadata.first(where: { $0.attribute == "ingest::original_path" }),
            let bytes = Data(base64Encoded: original.value),
            ExactName(escapedPerComponent(Array(bytes))) == ExactName(replica.physicalPath)
        {
            return Array(bytes)
        }
        return Array(replica.physicalPath.utf8)
    }
}
