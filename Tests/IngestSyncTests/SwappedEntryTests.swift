import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Logging
import Testing

/// An entry replaced between its listing and the task that reads it (a link to a secret, a FIFO, a
/// directory swapped for a link) is not read: nothing outside the source reaches the vault, and
/// no worker thread blocks.
@Suite struct SwappedEntryTests {
    let target = "/tempZone/home/rods/swap"

    private func claimed(_ kind: String, _ payload: DirectoryTaskPayload) -> ClaimedTask {
        ClaimedTask(
            lease: TaskLease(taskID: 1, fence: 1), job: "j", queue: kind, kind: kind, key: payload.directory,
            payload: PayloadCoding.encode(payload), retry: RetryPolicy(), entryCount: payload.entries?.count ?? 0, attempt: 1)
    }

    private var context: TaskContext {
        TaskContext(logger: Logger(label: "ingest.test"), cancellation: TaskCancellation())
    }

    /// Lists the source root and returns the tasks it spawned, by kind.
    private func list(_ spec: SyncSpec, engine: EmbeddedEngine) async throws -> (files: [DirectoryTaskPayload], paths: [DirectoryTaskPayload]) {
        _ = try await engine.catalog.ensureCollections([spec.target])
        let listing = DirectoryTaskPayload(spec: spec, directory: spec.source, collection: spec.target, entries: nil)
        let result = try await PathHandler(catalog: engine.catalog).handle(claimed(SyncTaskKind.path, listing), context: context)
        let decode = { (kind: String) in try result.spawned.filter { $0.kind == kind }.map { try PayloadCoding.decodeDirectory($0.payload) } }
        return (try decode(SyncTaskKind.file), try decode(SyncTaskKind.path))
    }

    private func vaultFiles(_ vault: StorageResource) -> [String] {
        (FileManager.default.enumerator(atPath: vault.path!)?.allObjects as? [String]) ?? []
    }

    @Test(arguments: [SyncOperation.put, .registerSync])
    func aFileSwappedForALinkToASecretIsNotRead(operation: SyncOperation) async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        let secret = try TreeBuilder.write(outside.path, "secret", "private key")
        let victim = try TreeBuilder.write(source.path, "data.txt", "ordinary")
        let spec = SyncSpec(
            source: source.path, target: target, operation: operation, resource: operation.copiesData ? "archive" : nil,
            checksum: .sha256)
        _ = try await SyncJob.prepare(spec, jobName: "j", catalog: engine.catalog, resources: [vault])
        let (files, _) = try await list(spec, engine: engine)
        try FileManager.default.removeItem(atPath: victim)
        try FileManager.default.createSymbolicLink(atPath: victim, withDestinationPath: secret)

        let task = claimed(SyncTaskKind.file, files[0])
        let handler = FileHandler(catalog: engine.catalog)
        let error = await #expect(throws: SingleEntryFailure.self) { try await handler.handle(task, context: context) }
        #expect(error?.description.contains("was replaced since it was listed") == true, "\(String(describing: error))")
        for file in vaultFiles(vault) {
            let data = try? String(contentsOfFile: vault.path! + "/" + file, encoding: .utf8)
            #expect(data != "private key", "the secret was copied into the vault as \(file)")
        }
        #expect(try await engine.catalog.dataObject(at: "\(target)/data.txt") == nil)
    }

    @Test func aDirectorySwappedForALinkIsNotListed() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        try TreeBuilder.write(outside.path, "secret", "private key")
        try TreeBuilder.write(source.path, "sub/data.txt", "ordinary")
        let spec = SyncSpec(source: source.path, target: target)
        let (_, paths) = try await list(spec, engine: engine)
        let subdirectory = try #require(paths.first)
        try FileManager.default.removeItem(atPath: source.subpath("sub"))
        try FileManager.default.createSymbolicLink(atPath: source.subpath("sub"), withDestinationPath: outside.path)

        let task = claimed(SyncTaskKind.path, subdirectory)
        let handler = PathHandler(catalog: engine.catalog)
        await #expect(throws: PermanentTaskError.self) { try await handler.handle(task, context: context) }
    }

    /// A directory swapped for another real directory (say, by renaming one from elsewhere in) is
    /// refused too: the listing recorded which directory it was.
    @Test func aDirectoryReplacedByAnotherIsNotListed() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "sub/data.txt", "ordinary")
        let spec = SyncSpec(source: source.path, target: target)
        let (_, paths) = try await list(spec, engine: engine)
        try FileManager.default.moveItem(atPath: source.subpath("sub"), toPath: source.subpath("old"))
        try TreeBuilder.write(source.path, "sub/other.txt", "other")
        let task = claimed(SyncTaskKind.path, try #require(paths.first))
        let handler = PathHandler(catalog: engine.catalog)
        await #expect(throws: PermanentTaskError.self) { try await handler.handle(task, context: context) }
    }

    /// A FIFO swapped in for a file: opening it must not wait for a writer.
    @Test(arguments: [SyncOperation.put, .registerSync])
    func aFileSwappedForAFIFOFailsAtOnce(operation: SyncOperation) async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let victim = try TreeBuilder.write(source.path, "data.txt", "ordinary")
        let spec = SyncSpec(
            source: source.path, target: target, operation: operation, resource: operation.copiesData ? "archive" : nil, checksum: .md5)
        _ = try await SyncJob.prepare(spec, jobName: "j", catalog: engine.catalog, resources: [vault])
        let (files, _) = try await list(spec, engine: engine)
        try FileManager.default.removeItem(atPath: victim)
        #expect(mkfifo(victim, 0o644) == 0)

        let task = claimed(SyncTaskKind.file, files[0])
        let handler = FileHandler(catalog: engine.catalog)
        let context = context
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                _ = try? await handler.handle(task, context: context)
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(20))
                return false
            }
            let first = await group.next() ?? false
            if !first {
                // Unblock the stuck open so the test process can end.
                let writer = open(victim, O_WRONLY | O_NONBLOCK)
                if writer >= 0 { close(writer) }
            }
            group.cancelAll()
            return first
        }
        #expect(finished, "the file task blocked on the FIFO")
        #expect(try await engine.catalog.dataObject(at: "\(target)/data.txt") == nil)
    }

    /// A link listed, then the real file put back before the file task: the file is not recorded as
    /// a link registered in place (it would then never be copied), and the next pass copies it.
    @Test func aFilePutBackWhereALinkWasListedIsCopiedNotRegisteredInPlace() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        let secret = try TreeBuilder.write(outside.path, "secret", "private key")
        let data = try TreeBuilder.write(source.path, "data.bin", "the real data")
        let held = outside.subpath("held")
        try FileManager.default.moveItem(atPath: data, toPath: held)
        try FileManager.default.createSymbolicLink(atPath: data, withDestinationPath: secret)
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive")
        _ = try await SyncJob.prepare(spec, jobName: "j", catalog: engine.catalog, resources: [vault])
        let (files, _) = try await list(spec, engine: engine)
        try FileManager.default.removeItem(atPath: data)
        try FileManager.default.moveItem(atPath: held, toPath: data)

        let error = await #expect(throws: SingleEntryFailure.self) {
            try await FileHandler(catalog: engine.catalog).handle(claimed(SyncTaskKind.file, files[0]), context: context)
        }
        #expect(error?.description.contains("was replaced since it was listed") == true, "\(String(describing: error))")
        #expect(try await engine.catalog.dataObject(at: "\(target)/data.bin") == nil)

        let status = try await engine.sync(spec, job: "again", resources: [vault])
        #expect(status.succeeded)
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/data.bin"))
        let replica = try #require(object.replicas.first)
        #expect(replica.physicalPath.hasPrefix(vault.path! + "/"), "the copy is in the vault, not \(replica.physicalPath)")
        #expect(try String(contentsOfFile: replica.physicalPath, encoding: .utf8) == "the real data")
    }

    /// A file whose replica on the copy job's resource is a registration in place (left by an older
    /// version, or by a link that became a file) is copied on the next pass, not left as unchanged,
    /// and the registered file is never written to.
    @Test(arguments: [(SyncOperation.putSync, false), (.putAppend, true)])
    func aReplicaRegisteredInPlaceOnTheCopyResourceIsNotTakenForACopy(operation: SyncOperation, grows: Bool) async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let data = try TreeBuilder.write(source.path, "data.bin", "original")
        let register = SyncSpec(source: source.path, target: target, resource: "archive")
        #expect(try await engine.sync(register, job: "register", resources: [vault]).succeeded)
        let expected = grows ? "original and more" : "original"
        if grows { try TreeBuilder.write(source.path, "data.bin", expected) }

        let copy = SyncSpec(source: source.path, target: target, operation: operation, resource: "archive")
        #expect(try await engine.sync(copy, job: "copy", resources: [vault]).succeeded)
        #expect(try String(contentsOfFile: data, encoding: .utf8) == expected, "the source file was written to")
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/data.bin"))
        let replica = try #require(object.replicas.first { $0.resource == "archive" })
        #expect(replica.physicalPath.hasPrefix(vault.path! + "/"), "still \(replica.physicalPath)")
        #expect(try String(contentsOfFile: replica.physicalPath, encoding: .utf8) == expected)
    }
}
