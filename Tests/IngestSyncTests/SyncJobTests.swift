import Foundation
import IngestCore
import IngestSync
import IngestTesting
import Testing

/// The sync job run end to end on the embedded broker and catalog.
@Suite struct SyncJobTests {
    let target = "/tempZone/home/rods/data"

    private func allObjects(_ catalog: any Catalog, under collection: String) async throws -> [CatalogEntry] {
        var result: [CatalogEntry] = []
        for entry in try await catalog.list(collection: collection) {
            switch entry.kind {
            case .collection: result += try await allObjects(catalog, under: entry.path)
            case .dataObject: result.append(entry)
            }
        }
        return result
    }

    @Test func nestedTreeIsRegisteredInPlaceWithSizeMtimeAndPhysicalPath() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "top.txt", "hello")
        try TreeBuilder.write(source.path, "a/b/c/deep.bin", String(repeating: "z", count: 4096))
        try TreeBuilder.write(source.path, "a/sibling.txt", "s")
        try FileManager.default.createDirectory(atPath: source.subpath("empty"), withIntermediateDirectories: true)

        let status = try await engine.sync(SyncSpec(source: source.path, target: target))

        #expect(status.state == .completed)
        #expect(status.succeeded)
        // root + a, a/b, a/b/c, empty + 3 files
        #expect(status.counter(Counter.entriesCreated) == 8)
        #expect(status.counter(Counter.bytesDone) == 5 + 4096 + 1)
        for collection in ["", "/a", "/a/b", "/a/b/c", "/empty"] {
            #expect(try await engine.catalog.kind(of: target + collection) == .collection, "collection \(collection)")
        }
        for relative in ["top.txt", "a/b/c/deep.bin", "a/sibling.txt"] {
            let object = try #require(try await engine.catalog.dataObject(at: "\(target)/\(relative)"))
            let onDisk = TreeBuilder.stat(source.subpath(relative))
            #expect(object.size == onDisk.size)
            #expect(object.mtimeNanos == onDisk.mtimeNanos)
            #expect(object.replicas.count == 1)
            #expect(object.replicas.first?.physicalPath == source.subpath(relative))
            #expect(object.replicas.first?.resource == StorageResource.inPlace.name)
            #expect(object.replicas.first?.status == .good)
        }
    }

    @Test func resyncChangesExactlyWhatChanged() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let past = Date(timeIntervalSince1970: 1_600_000_000)
        try TreeBuilder.write(source.path, "keep.txt", "same", mtime: past)
        try TreeBuilder.write(source.path, "grow.txt", "short", mtime: past)
        try TreeBuilder.write(source.path, "touch.txt", "same size", mtime: past)
        try TreeBuilder.write(source.path, "sub/gone.txt", "bye", mtime: past)
        try TreeBuilder.write(source.path, "sub/stay.txt", "hi", mtime: past)
        try await engine.sync(SyncSpec(source: source.path, target: target), job: "first")
        let keptBefore = try #require(try await engine.catalog.dataObject(at: "\(target)/keep.txt"))

        try TreeBuilder.write(source.path, "grow.txt", "much longer now", mtime: past)
        try TreeBuilder.write(source.path, "touch.txt", "same size", mtime: past.addingTimeInterval(60))
        try FileManager.default.removeItem(atPath: source.subpath("sub/gone.txt"))
        try TreeBuilder.write(source.path, "sub/new.txt", "new")
        let status = try await engine.sync(SyncSpec(source: source.path, target: target), job: "second")

        #expect(status.counter(Counter.entriesCreated) == 1)
        #expect(status.counter(Counter.entriesUpdated) == 2)
        // keep.txt, sub/stay.txt, the root and sub collections
        #expect(status.counter(Counter.entriesUnchanged) == 4)
        #expect(try await engine.catalog.dataObject(at: "\(target)/grow.txt")?.size == 15)
        #expect(try await engine.catalog.dataObject(at: "\(target)/touch.txt")?.mtimeNanos == TreeBuilder.stat(source.subpath("touch.txt")).mtimeNanos)
        #expect(try await engine.catalog.dataObject(at: "\(target)/sub/new.txt") != nil)
        #expect(try await engine.catalog.dataObject(at: "\(target)/keep.txt") == keptBefore, "an unchanged file is not touched")
        #expect(try await engine.catalog.dataObject(at: "\(target)/sub/gone.txt") != nil, "DO_NOT_DELETE keeps entries removed from the source")
    }

    @Test func ignoreCacheTreatsEveryEntryAsChanged() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.grid(source.path, directories: 3, filesPerDirectory: 4)
        try await engine.sync(SyncSpec(source: source.path, target: target), job: "first")
        let before = try #require(try await engine.catalog.dataObject(at: "\(target)/group0/dir0/file0.txt"))

        let plain = try await engine.sync(SyncSpec(source: source.path, target: target), job: "plain")
        #expect(plain.counter(Counter.entriesUpdated) == 0)

        let forced = try await engine.sync(SyncSpec(source: source.path, target: target, ignoreCache: true), job: "forced")
        #expect(forced.counter(Counter.entriesUpdated) == 12)
        let after = try #require(try await engine.catalog.dataObject(at: "\(target)/group0/dir0/file0.txt"))
        #expect(after.replicas[0].modifiedAt > before.replicas[0].modifiedAt)
    }

    @Test func initialIngestSkipsCatalogLookupsAndSendsEveryFileToAFileTask() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.grid(source.path, directories: 2, filesPerDirectory: 5)

        let first = try await engine.sync(SyncSpec(source: source.path, target: target, initialIngest: true), job: "bulk")
        #expect(first.succeeded)
        #expect(try await allObjects(engine.catalog, under: target).count == 10)

        // With look-ups, an unchanged tree needs no file tasks: restart + 5 path tasks.
        let checked = try await engine.sync(SyncSpec(source: source.path, target: target), job: "checked")
        #expect(checked.tasksTotal == 1 + 5)
        // Without them every file goes to a file task, whose upsert finds it unchanged.
        let unchecked = try await engine.sync(SyncSpec(source: source.path, target: target, initialIngest: true), job: "unchecked")
        #expect(unchecked.tasksTotal == 1 + 5 + 2)
        #expect(unchecked.counter(Counter.entriesUnchanged) == checked.counter(Counter.entriesUnchanged))
        #expect(try await allObjects(engine.catalog, under: target).count == 10)
    }

    @Test func filesAreBatchedByFilesPerTask() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        for index in 0..<120 { try TreeBuilder.write(source.path, "f\(index)", "x") }
        let status = try await engine.sync(SyncSpec(source: source.path, target: target, filesPerTask: 50))
        #expect(status.tasksTotal == 1 + 1 + 3)
        #expect(status.counter(Counter.entriesCreated) == 121)
    }

    @Test func customQueueNamesCarryTheWholeJob() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.grid(source.path, directories: 2, filesPerDirectory: 2)
        let queues = SyncQueues(restart: "r2", path: "p2", file: "f2")
        let status = try await engine.sync(SyncSpec(source: source.path, target: target, queues: queues))
        #expect(status.succeeded)
        #expect(try await allObjects(engine.catalog, under: target).count == 4)
    }

    @Test(arguments: ["/", "relative/path", "/tempZone/../etc"])
    func badTargetIsRefusedWithNothingQueued(_ badTarget: String) async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        await #expect(throws: IngestError.self) {
            try await SyncJob.prepare(SyncSpec(source: source.path, target: badTarget), jobName: "bad", catalog: engine.catalog)
        }
        #expect(try await engine.broker.jobs().isEmpty)
    }

    @Test func targetUnderADataObjectIsRefused() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "file.txt", "f")
        try await engine.sync(SyncSpec(source: source.path, target: target), job: "first")
        for badTarget in ["\(target)/file.txt", "\(target)/file.txt/below"] {
            do {
                _ = try await SyncJob.prepare(SyncSpec(source: source.path, target: badTarget), jobName: "bad", catalog: engine.catalog)
                Issue.record("\(badTarget) was accepted")
            } catch let error as IngestError {
                #expect(error.description.contains("data object"))
            }
        }
    }

    @Test func missingOrNonDirectorySourceIsRefused() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let file = try TreeBuilder.write(source.path, "file.txt", "f")
        for badSource in [source.subpath("missing"), file] {
            await #expect(throws: IngestError.self) {
                try await SyncJob.prepare(SyncSpec(source: badSource, target: target), jobName: "bad", catalog: engine.catalog)
            }
        }
        #expect(try await engine.broker.jobs().isEmpty)
    }
}
