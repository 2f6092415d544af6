import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Synchronization
import Testing

/// A policy written in Swift, as a program embedding Ingest would: decisions from closures, and a
/// record of every hook call.
final class ScriptedPolicy: SyncPolicy {
    let capabilities: PolicyCapabilities
    let decideEntry: @Sendable (PolicyEntry) -> EntryDecision
    let hookResult: @Sendable (HookCall) -> HookOutcome
    let directoryDeleteMode: @Sendable (PolicyEntry) -> DeleteMode?
    private let calls = Mutex<[HookCall]>([])
    private let decideBatches = Mutex<[Int]>([])

    init(
        capabilities: PolicyCapabilities, decide: @escaping @Sendable (PolicyEntry) -> EntryDecision = { _ in .jobDefault },
        deleteMode: @escaping @Sendable (PolicyEntry) -> DeleteMode? = { _ in nil },
        hook: @escaping @Sendable (HookCall) -> HookOutcome = { HookOutcome(options: $0.options) }
    ) {
        self.capabilities = capabilities
        decideEntry = decide
        hookResult = hook
        directoryDeleteMode = deleteMode
    }

    func decide(_ entries: [PolicyEntry], job: PolicyJob) async throws -> [EntryDecision] {
        decideBatches.withLock { $0.append(entries.count) }
        return entries.map(decideEntry)
    }

    func deleteMode(for directory: PolicyEntry, job: PolicyJob) async throws -> DeleteMode? { directoryDeleteMode(directory) }

    func runHooks(_ calls: [HookCall], job: PolicyJob) async throws -> [HookOutcome] {
        self.calls.withLock { $0 += calls }
        return calls.map(hookResult)
    }

    /// Hook calls so far, as "hook target" lines, sorted.
    func hookLog(_ hooks: Set<PolicyHook>? = nil) -> [String] {
        calls.withLock { $0 }.filter { hooks?.contains($0.hook) ?? true }.map { "\($0.hook.rawValue) \($0.entry?.target ?? "-")" }.sorted()
    }

    var hookCalls: [HookCall] { calls.withLock { $0 } }
    var batchSizes: [Int] { decideBatches.withLock { $0 } }
}

/// The `SyncPolicy` seam: what a policy decides per entry reaches the catalog and the stored
/// copies, and hooks fire as iRODS automated ingest's do. The Python and YAML policies are
/// implementations of the same seam.
@Suite struct SyncPolicySeamTests {
    let target = "/tempZone/home/rods/data"
    let past = Date(timeIntervalSince1970: 1_600_000_000)

    private func run(
        _ engine: EmbeddedEngine, _ source: TemporaryDirectory, policy: ScriptedPolicy, job: String, operation: SyncOperation = .registerSync,
        resource: String? = nil, deleteMode: DeleteMode = .doNotDelete, resources: [StorageResource] = [], filesPerTask: Int = 50
    ) async throws -> JobStatus {
        let spec = SyncSpec(
            source: source.path, target: target, filesPerTask: filesPerTask, operation: operation, resource: resource, deleteMode: deleteMode,
            policy: .registered("scripted"))
        return try await engine.sync(spec, job: job, resources: resources, policies: PolicyFactory(registered: ["scripted": policy]))
    }

    @Test func eachEntryGetsTheOperationAndResourceItsPolicyChose() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.fits", "image", mtime: past)
        try TreeBuilder.write(source.path, "b.txt", "notes", mtime: past)
        try TreeBuilder.write(source.path, "c.tmp", "scratch", mtime: past)
        let policy = ScriptedPolicy(capabilities: PolicyCapabilities(decidesFiles: true), decide: { entry in
            switch entry.path.split(separator: ".").last {
            case "fits": EntryDecision(operation: .putSync, resource: "archive")
            case "tmp": EntryDecision(operation: .noOp)
            default: .jobDefault
            }
        })
        let first = try await run(engine, source, policy: policy, job: "mixed", resources: [vault])
        #expect(first.succeeded)
        let image = try #require(try await engine.catalog.dataObject(at: "\(target)/a.fits"))
        #expect(image.replicas.map(\.resource) == ["archive"])
        #expect(image.replicas.first?.physicalPath.hasPrefix(vault.path!) == true, "copied into the vault")
        let notes = try #require(try await engine.catalog.dataObject(at: "\(target)/b.txt"))
        #expect(notes.replicas.map(\.physicalPath) == [source.subpath("b.txt")], "registered in place, the job's operation")
        #expect(try await engine.catalog.dataObject(at: "\(target)/c.tmp") == nil, "NO_OP leaves the catalog alone")

        let second = try await run(engine, source, policy: policy, job: "mixed", resources: [vault])
        #expect(second.counter(Counter.entriesUnchanged) >= 2, "each file is compared with the replica its policy put on its resource")
        #expect(second.counter(Counter.bytesCopied) == 0)
        #expect(second.counter(Counter.entriesUpdated) == 0)
    }

    @Test func targetPathRenamingOwnerAndMetadataAreRecordedAndStayUnchangedOnTheNextPass() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "run 1/a:b.txt", "data", mtime: past)
        let policy = ScriptedPolicy(capabilities: PolicyCapabilities(decidesFiles: true, namesDirectories: true), decide: { entry in
            let renamed = entry.name.replacingOccurrences(of: ":", with: "_").replacingOccurrences(of: " ", with: "_")
            guard entry.entryType == .file else { return EntryDecision(name: renamed) }
            return EntryDecision(
                physicalPath: "/mnt/server" + entry.path, name: renamed, owner: "alice",
                metadata: [MetadataTriple(attribute: "source", value: entry.path)])
        })
        let first = try await run(engine, source, policy: policy, job: "renamed", deleteMode: .unregister)
        #expect(first.succeeded)
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/run_1/a_b.txt"))
        #expect(object.replicas.map(\.physicalPath) == ["/mnt/server" + source.subpath("run 1/a:b.txt")])
        #expect(object.metadata.contains(MetadataTriple(attribute: OddNames.ownerAttribute, value: "alice")))
        #expect(object.metadata.contains(MetadataTriple(attribute: "source", value: source.subpath("run 1/a:b.txt"))))
        #expect(object.metadata.contains { $0.attribute == "irods::automated_ingest::character_map" })
        #expect(try await engine.catalog.kind(of: "\(target)/run 1") == nil)

        let second = try await run(engine, source, policy: policy, job: "renamed", deleteMode: .unregister)
        #expect(second.counter(Counter.entriesDeleted) == 0, "renamed entries are listed under their new names, never deleted")
        #expect(second.counter(Counter.entriesUpdated) == 0)
        #expect(second.counter(Counter.entriesUnchanged) >= 1, "compared with the path the policy chose")
        #expect(try await engine.catalog.dataObject(at: "\(target)/run_1/a_b.txt") != nil)
    }

    @Test func excludedEntriesAreSkippedAndFailedDecisionsFailOnlyTheirEntry() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        for name in ["keep1", "keep2", "skip", "broken"] { try TreeBuilder.write(source.path, name, name) }
        let policy = ScriptedPolicy(capabilities: PolicyCapabilities(decidesFiles: true), decide: { entry in
            switch entry.name {
            case "skip": EntryDecision(excluded: true)
            case "broken": EntryDecision(error: "Traceback: ValueError: no instrument for broken")
            default: .jobDefault
            }
        })
        let status = try await run(engine, source, policy: policy, job: "partial")
        #expect(status.counter(Counter.skippedPrefix + "excluded") == 1)
        #expect(status.counter(Counter.entriesFailed) == 1)
        #expect(try await engine.catalog.children(of: target).objects.sorted() == ["keep1", "keep2"])
        let failed = try await engine.broker.failedTasks(job: "partial", queue: nil, limit: 10)
        #expect(failed.map(\.key) == [source.path], "the listing is recorded, so that requeue decides the entry again")
        #expect(failed.first?.error.contains(source.subpath("broken")) == true)
        #expect(failed.first?.error.contains("no instrument for broken") == true)
    }

    @Test func anOperationThatDoesNotFitTheDeleteModeFailsItsEntry() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.txt", "a")
        try TreeBuilder.write(source.path, "b.txt", "b")
        let policy = ScriptedPolicy(capabilities: PolicyCapabilities(decidesFiles: true), decide: { entry in
            entry.name == "b.txt" ? EntryDecision(operation: .putSync, resource: "archive") : .jobDefault
        })
        let status = try await run(engine, source, policy: policy, job: "modes", deleteMode: .unregister, resources: [vault])
        let failed = try await engine.broker.failedTasks(job: "modes", queue: nil, limit: 10)
        #expect(failed.count == 1)
        #expect(failed.first?.error.contains("PUT_SYNC") == true && failed.first?.error.contains("UNREGISTER") == true)
        #expect(status.counter(Counter.entriesCreated) >= 1)
    }

    @Test func createHooksFireForNewObjectsModifyHooksForChangedOnesAndOptionsReachThePostHook() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "sub/a.txt", "a", mtime: past)
        try TreeBuilder.write(source.path, "b.txt", "b", mtime: past)
        let hooks: Set<PolicyHook> = [
            .preDataObjectCreate, .postDataObjectCreate, .preDataObjectModify, .postDataObjectModify, .preCollectionCreate, .postCollectionCreate,
            .preJob,
        ]
        let policy = ScriptedPolicy(
            capabilities: PolicyCapabilities(hooks: hooks),
            hook: { call in
                var options = call.options
                if call.hook == .preDataObjectCreate { options["seen_by"] = "pre" }
                return HookOutcome(options: options)
            })
        _ = try await run(engine, source, policy: policy, job: "hooks")
        #expect(policy.hookLog([.preDataObjectCreate, .postDataObjectCreate]) == [
            "post_data_obj_create \(target)/b.txt", "post_data_obj_create \(target)/sub/a.txt",
            "pre_data_obj_create \(target)/b.txt", "pre_data_obj_create \(target)/sub/a.txt",
        ])
        #expect(policy.hookLog([.preCollectionCreate, .postCollectionCreate]) == [
            "post_coll_create \(target)/sub", "pre_coll_create \(target)/sub",
        ])
        #expect(policy.hookLog([.preJob]) == ["pre_job \(target)"])
        #expect(policy.hookCalls.filter { $0.hook == .postDataObjectCreate }.allSatisfy { $0.options["seen_by"] == "pre" })

        try TreeBuilder.write(source.path, "b.txt", "b changed")
        let before = policy.hookCalls.count
        _ = try await run(engine, source, policy: policy, job: "hooks")
        let later = policy.hookCalls.dropFirst(before).filter { $0.hook != .preJob }.map { "\($0.hook.rawValue) \($0.entry?.target ?? "")" }.sorted()
        #expect(later == ["post_data_obj_modify \(target)/b.txt", "pre_data_obj_modify \(target)/b.txt"], "the unchanged file and the existing collection fire nothing")
    }

    @Test func aHookThatRaisesFailsItsEntryAloneAndARetryRunsItAgain() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        for index in 0..<5 { try TreeBuilder.write(source.path, "f\(index)", "\(index)") }
        let attempts = Mutex<[String: Int]>([:])
        let policy = ScriptedPolicy(
            capabilities: PolicyCapabilities(decidesFiles: true, hooks: [.postDataObjectCreate]),
            decide: { entry in entry.name == "f3" ? EntryDecision(maxRetries: 2) : .jobDefault },
            hook: { call in
                let name = call.entry?.name ?? ""
                let attempt = attempts.withLock { counts -> Int in
                    counts[name, default: 0] += 1
                    return counts[name]!
                }
                if name == "f1" { return HookOutcome(error: "Traceback (most recent call last):\nRuntimeError: f1 always fails") }
                if name == "f3" && attempt == 1 { return HookOutcome(error: "RuntimeError: f3 fails once") }
                return HookOutcome(options: call.options)
            })
        let status = try await run(engine, source, policy: policy, job: "raising")
        let failed = try await engine.broker.failedTasks(job: "raising", queue: nil, limit: 10)
        #expect(failed.map(\.key) == [source.subpath("f1")])
        #expect(failed.first?.error.contains("f1 always fails") == true, "the traceback is in `ingest failed`")
        #expect(attempts.withLock { $0["f3"] } == 2, "f3's hook ran again on retry and succeeded")
        #expect(attempts.withLock { $0["f0"] } == 1, "entries of the same batch ran their hook once")
        #expect(status.counter(Counter.entriesFailed) == 1)
    }

    @Test func deleteHooksFireAroundWhatTheDeleteModeRemoves() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "gone.txt", "x")
        try TreeBuilder.write(source.path, "old/inner.txt", "y")
        try TreeBuilder.write(source.path, "stays.txt", "z")
        let policy = ScriptedPolicy(capabilities: PolicyCapabilities(hooks: [.preDataObjectDelete, .postDataObjectDelete, .preCollectionDelete, .postCollectionDelete]))
        _ = try await run(engine, source, policy: policy, job: "deletes", deleteMode: .unregister)
        try FileManager.default.removeItem(atPath: source.subpath("gone.txt"))
        try FileManager.default.removeItem(atPath: source.subpath("old"))
        let status = try await run(engine, source, policy: policy, job: "deletes", deleteMode: .unregister)
        #expect(status.counter(Counter.entriesDeleted) == 2)
        #expect(policy.hookLog() == [
            "post_coll_delete \(target)/old", "post_data_obj_delete \(target)/gone.txt",
            "pre_coll_delete \(target)/old", "pre_data_obj_delete \(target)/gone.txt",
        ])
    }

    @Test func postJobAndPostPassFireOnceAfterEveryOtherHookOfThePass() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        for index in 0..<30 { try TreeBuilder.write(source.path, "d\(index % 3)/f\(index)", "\(index)") }
        let policy = ScriptedPolicy(capabilities: PolicyCapabilities(hooks: [.preJob, .prePass, .postDataObjectCreate, .postPass, .postJob]))
        let status = try await run(engine, source, policy: policy, job: "ends", filesPerTask: 4)
        #expect(status.succeeded)
        let order = policy.hookCalls.map(\.hook)
        #expect(order.filter { $0 == .postJob }.count == 1)
        #expect(order.filter { $0 == .postPass }.count == 1)
        #expect(order.filter { $0 == .postDataObjectCreate }.count == 30)
        #expect(Array(order.suffix(2)) == [.postPass, .postJob], "after every object's hooks")
        #expect(Array(order.prefix(2)) == [.preJob, .prePass])
        #expect(policy.hookCalls.last?.options["pass"] == "1")
    }

    @Test func noOpFiresCreateHooksAndCreatesNothing() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "sub/a.txt", "a")
        let policy = ScriptedPolicy(capabilities: PolicyCapabilities(hooks: [.postDataObjectCreate, .postCollectionCreate]))
        let status = try await run(engine, source, policy: policy, job: "noop", operation: .noOp)
        #expect(status.succeeded)
        #expect(policy.hookLog() == ["post_coll_create \(target)/sub", "post_data_obj_create \(target)/sub/a.txt"])
        #expect(policy.hookCalls.allSatisfy { $0.targetExists == false }, "nothing was created")
        #expect(try await engine.catalog.kind(of: target) == nil)
    }

    @Test func thePolicyIsAskedOncePerSliceNotPerFile() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        for index in 0..<300 { try TreeBuilder.write(source.path, "f\(index)", "") }
        let policy = ScriptedPolicy(capabilities: PolicyCapabilities(decidesFiles: true))
        _ = try await run(engine, source, policy: policy, job: "batched")
        #expect(policy.batchSizes == [300])
    }

    @Test func aDeleteModeFromThePolicyAppliesToItsDirectory() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "keep/a.txt", "a")
        try TreeBuilder.write(source.path, "clean/b.txt", "b")
        let policy = ScriptedPolicy(
            capabilities: PolicyCapabilities(decidesDeleteMode: true), deleteMode: { $0.path.hasSuffix("/clean") ? .unregister : nil })
        _ = try await run(engine, source, policy: policy, job: "dirmodes")
        try FileManager.default.removeItem(atPath: source.subpath("keep/a.txt"))
        try FileManager.default.removeItem(atPath: source.subpath("clean/b.txt"))
        _ = try await run(engine, source, policy: policy, job: "dirmodes")
        #expect(try await engine.catalog.dataObject(at: "\(target)/keep/a.txt") != nil, "DO_NOT_DELETE, the job's mode")
        #expect(try await engine.catalog.dataObject(at: "\(target)/clean/b.txt") == nil, "UNREGISTER, the policy's mode for clean/")
    }
}
