import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Logging
import Testing

/// A directory of more entries than one task should hold is listed in shares, each holding a bounded
/// number of child tasks, and the shares together sync every entry exactly once.
@Suite struct LargeDirectoryTests {
    let target = "/tempZone/home/rods/large"
    let fileCount = PathHandler.partitionThreshold * 2 + 500

    private func bigDirectory() throws -> TemporaryDirectory {
        let source = try TemporaryDirectory()
        for index in 0..<fileCount {
            let fd = open(source.subpath("f\(index)"), O_CREAT | O_WRONLY, 0o644)
            guard fd >= 0 else { throw FileSystemError(operation: "create", path: source.subpath("f\(index)"), code: errno) }
            close(fd)
        }
        return source
    }

    @Test func aHugeDirectoryIsListedInSharesOfBoundedSize() async throws {
        let engine = try EmbeddedEngine()
        let source = try bigDirectory()
        let spec = SyncSpec(source: source.path, target: target, filesPerTask: 1)
        _ = try await engine.catalog.ensureCollections([target])
        let listing = DirectoryTaskPayload(spec: spec, directory: source.path, collection: target, entries: nil)
        let context = TaskContext(logger: Logger(label: "ingest.test"), cancellation: TaskCancellation())
        let handler = PathHandler(catalog: engine.catalog)
        func claimed(_ payload: DirectoryTaskPayload) -> ClaimedTask {
            ClaimedTask(
                lease: TaskLease(taskID: 1, fence: 1), job: "j", queue: "path", kind: SyncTaskKind.path, key: payload.directory,
                payload: PayloadCoding.encode(payload), retry: RetryPolicy(), entryCount: 0, attempt: 1)
        }
        let first = try await handler.handle(claimed(listing), context: context)
        #expect(first.spawned.count == 3)
        #expect(first.spawned.allSatisfy { $0.kind == SyncTaskKind.path })
        var files = 0
        for share in first.spawned {
            let result = try await handler.handle(claimed(try PayloadCoding.decodeDirectory(share.payload)), context: context)
            // With one file per task, a share's child tasks are its files: about a third of the directory.
            #expect(result.spawned.count <= PathHandler.partitionThreshold)
            files += result.spawned.count
        }
        #expect(files == fileCount)
    }

    @Test func sharesSyncEveryFileOnceAndDeleteOnlyWhatVanished() async throws {
        let engine = try EmbeddedEngine()
        let source = try bigDirectory()
        let spec = SyncSpec(source: source.path, target: target, filesPerTask: 500, deleteMode: .unregister)
        let first = try await engine.sync(spec, job: "one")
        #expect(first.counter(Counter.entriesCreated) == Int64(fileCount) + 1)
        for index in 0..<10 { unlink(source.subpath("f\(index)")) }
        let second = try await engine.sync(spec, job: "two")
        #expect(second.counter(Counter.entriesDeleted) == 10)
        #expect(second.counter(Counter.entriesUnchanged) == Int64(fileCount - 10) + 1)
        #expect(try await engine.catalog.children(of: target).objects.count == fileCount - 10)
    }
}
