import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Logging
import Testing

/// How a batch of copies is made: files the listing found new skip the catalog look-up, and copies
/// are created and named relative to the batch's directory.
@Suite struct CopyBatchTests {
    let target = "/tempZone/home/rods/data"

    private func contents(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    private func claimed(_ kind: String, _ payload: DirectoryTaskPayload) -> ClaimedTask {
        ClaimedTask(
            lease: TaskLease(taskID: 1, fence: 1), job: "j", queue: kind, kind: kind, key: payload.directory,
            payload: PayloadCoding.encode(payload), retry: RetryPolicy(), entryCount: payload.entries?.count ?? 0, attempt: 1)
    }

    private var context: TaskContext {
        TaskContext(logger: Logger(label: "ingest.test"), cancellation: TaskCancellation())
    }

    private func spawnedPayloads(_ result: TaskResult) throws -> [DirectoryTaskPayload] {
        try result.spawned.filter { $0.kind == SyncTaskKind.file }.map {
            try PayloadCoding.decodeDirectory($0.payload)
        }
    }

    @Test func listingPutsUncatalogedFilesInBatchesMarkedNew() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "old.txt", "old")
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive")
        #expect(try await engine.sync(spec, job: "first", resources: [vault]).succeeded)
        try TreeBuilder.write(source.path, "old.txt", "changed since")
        try TreeBuilder.write(source.path, "new.txt", "new")

        let listing = DirectoryTaskPayload(spec: spec, directory: source.path, collection: target, entries: nil)
        let result = try await PathHandler(catalog: engine.catalog).handle(claimed(SyncTaskKind.path, listing), context: context)

        let batches = try spawnedPayloads(result)
        #expect(batches.map { $0.entries?.map(\.name) ?? [] } == [["new.txt"], ["old.txt"]])
        #expect(batches.map(\.entriesAreNew) == [true, nil], "only the file the catalog lacks skips the look-up")
    }

    @Test func subdirectoryWhoseCollectionTheListingCreatedIsMarkedNewAndItsFilesSkipTheLookUp() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "kept/a.txt", "a")
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive")
        #expect(try await engine.sync(spec, job: "first", resources: [vault]).succeeded)
        try TreeBuilder.write(source.path, "added/b.txt", "b")

        let listing = DirectoryTaskPayload(spec: spec, directory: source.path, collection: target, entries: nil)
        let result = try await PathHandler(catalog: engine.catalog).handle(claimed(SyncTaskKind.path, listing), context: context)
        let children = try result.spawned.filter { $0.kind == SyncTaskKind.path }.map {
            try PayloadCoding.decodeDirectory($0.payload)
        }
        #expect(children.map(\.collection) == ["\(target)/added", "\(target)/kept"])
        #expect(children.map(\.collectionIsNew) == [true, nil], "only the collection created now is new")

        let added = try await PathHandler(catalog: engine.catalog).handle(claimed(SyncTaskKind.path, children[0]), context: context)
        let batches = try spawnedPayloads(added)
        #expect(batches.map(\.entriesAreNew) == [true])
        #expect(batches.map(\.collectionIsNew) == [nil], "file batches do not carry the collection's mark")
    }

    @Test func newCollectionMarkOnARedeliveredListingStillRegistersEachFileOnce() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "sub/a.txt", "a")
        let spec = SyncSpec(source: source.path, target: target, operation: .put, resource: "archive")
        #expect(try await engine.sync(spec, job: "first", resources: [vault]).succeeded)

        // As a listing re-delivered after its files were copied would run: marked new, yet filled.
        var listing = DirectoryTaskPayload(spec: spec, directory: source.subpath("sub"), collection: "\(target)/sub", entries: nil)
        listing.collectionIsNew = true
        let result = try await PathHandler(catalog: engine.catalog).handle(claimed(SyncTaskKind.path, listing), context: context)
        for batch in try spawnedPayloads(result) {
            _ = try await FileHandler(catalog: engine.catalog).handle(claimed(SyncTaskKind.file, batch), context: context)
        }

        #expect(try await engine.catalog.list(collection: "\(target)/sub").count == 1)
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/sub/a.txt"))
        #expect(object.replicas.count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: vault.path! + "/tempZone/home/rods/data/sub") == ["a.txt"])
    }

    @Test func batchMarkedNewWhoseFileWasRegisteredMeanwhileReplacesTheCopyAndUpdatesItsOneRow() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.txt", "first")
        let spec = SyncSpec(source: source.path, target: target, operation: .put, resource: "archive")
        #expect(try await engine.sync(spec, job: "first", resources: [vault]).succeeded)
        try TreeBuilder.write(source.path, "a.txt", "the second version")
        let info = TreeBuilder.stat(source.subpath("a.txt"))

        // As a re-delivered task would find it: listed as new, but registered since.
        var batch = DirectoryTaskPayload(
            spec: spec, directory: source.path, collection: target,
            entries: [FileEntry(name: "a.txt", size: info.size, mtimeNanos: info.mtimeNanos)])
        batch.entriesAreNew = true
        let result = try await FileHandler(catalog: engine.catalog).handle(claimed(SyncTaskKind.file, batch), context: context)

        #expect(result.counters[Counter.entriesUpdated] == 1)
        let copy = vault.path! + "/tempZone/home/rods/data/a.txt"
        #expect(try contents(copy) == Data("the second version".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: vault.path! + "/tempZone/home/rods/data") == ["a.txt"], "no temporary name is left")
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/a.txt"))
        #expect(object.size == 18)
        #expect(object.replicas.count == 1)
        #expect(try await engine.catalog.list(collection: target).count == 1)
    }

    @Test func copyStopsAtTheSizeTheSourceHadWhenOpened() throws {
        let directory = try TemporaryDirectory()
        let source = try TreeBuilder.write(directory.path, "source.bin", "0123456789")
        try FileManager.default.createDirectory(atPath: directory.subpath("vault"), withIntermediateDirectories: true)
        let input = try FileCopier.openForReading(Array(source.utf8))
        defer { close(input) }
        let destination = try FileCopier.Destination(path: directory.subpath("vault"))

        let outcome = try FileCopier.copyWhole(from: input, size: 4, to: destination, name: "copy.bin", mtimeNanos: 0, checksum: nil)

        #expect(outcome.bytesWritten == 4, "bytes the source gained after it was stat'ed are not copied under the older size")
        #expect(try contents(directory.subpath("vault/copy.bin")) == Data("0123".utf8))
    }

    @Test func copyInADirectoryThatWasMadeForTheBatchReplacesAnOlderCopy() throws {
        let directory = try TemporaryDirectory()
        let source = try TreeBuilder.write(directory.path, "source.bin", "new bytes")
        let destination = try FileCopier.Destination(path: directory.subpath("vault/deep/down"))
        try TreeBuilder.write(directory.path, "vault/deep/down/copy.bin", "old")
        let input = try FileCopier.openForReading(Array(source.utf8))
        defer { close(input) }

        let outcome = try FileCopier.copyWhole(from: input, size: 9, to: destination, name: "copy.bin", mtimeNanos: 1_000_000_123, checksum: .sha256)

        #expect(outcome.bytesWritten == 9)
        #expect(outcome.checksum != nil)
        #expect(try contents(directory.subpath("vault/deep/down/copy.bin")) == Data("new bytes".utf8))
        #expect(TreeBuilder.stat(directory.subpath("vault/deep/down/copy.bin")).mtimeNanos == 1_000_000_123)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.subpath("vault/deep/down")) == ["copy.bin"])
    }
}

/// Path and file payloads travel in a binary form; every field must come back, and JSON payloads
/// that earlier versions queued must still read.
@Suite struct DirectoryTaskPayloadCodingTests {
    private func sample(source: String = "/src") -> DirectoryTaskPayload {
        var payload = DirectoryTaskPayload(
            spec: SyncSpec(source: source, target: "/tempZone/t", operation: .put, resource: "archive"), directory: "/src/d",
            rawDirectory: Data([0x2F, 0xFF]), collection: "/tempZone/t/d",
            entries: [
                FileEntry(name: "a.txt", size: 1, mtimeNanos: 2),
                FileEntry(name: "odd%FF", size: 3, mtimeNanos: 4, rawName: Data([0x6F, 0xFF]), linkTarget: "../x/y"),
                FileEntry(name: "é 🙂", size: Int64.max, mtimeNanos: 1_700_000_000_123_456_789),
            ],
            ancestors: [EntryIdentity(device: 2049, inode: UInt64.max), EntryIdentity(device: 0, inode: 7)])
        payload.entriesAreNew = true
        payload.collectionIsNew = false
        return payload
    }

    private func expectSame(_ decoded: DirectoryTaskPayload, _ payload: DirectoryTaskPayload) {
        #expect(decoded.spec == payload.spec)
        #expect(decoded.directory == payload.directory)
        #expect(decoded.rawDirectory == payload.rawDirectory)
        #expect(decoded.collection == payload.collection)
        #expect(decoded.entries == payload.entries)
        #expect(decoded.ancestors == payload.ancestors)
        #expect(decoded.entriesAreNew == payload.entriesAreNew)
        #expect(decoded.collectionIsNew == payload.collectionIsNew)
    }

    @Test func payloadRoundTripsInItsBinaryFormWithEveryField() throws {
        let payload = sample()
        let encoded = PayloadCoding.encode(payload)
        #expect(encoded.first == 0, "binary, not JSON")
        expectSame(try PayloadCoding.decodeDirectory(encoded), payload)
    }

    @Test func payloadWithoutOptionalFieldsRoundTrips() throws {
        let payload = DirectoryTaskPayload(spec: SyncSpec(source: "/", target: "/tempZone"), directory: "/", collection: "/tempZone", entries: nil)
        expectSame(try PayloadCoding.decodeDirectory(PayloadCoding.encode(payload)), payload)
    }

    @Test func payloadsOfDifferentSpecsDecodeEachWithItsOwnSpec() throws {
        let first = sample(source: "/one")
        let second = sample(source: "/two")
        let (encodedFirst, encodedSecond) = (PayloadCoding.encode(first), PayloadCoding.encode(second))
        #expect(try PayloadCoding.decodeDirectory(encodedSecond).spec.source == "/two")
        #expect(try PayloadCoding.decodeDirectory(encodedFirst).spec.source == "/one")
        #expect(try PayloadCoding.decodeDirectory(PayloadCoding.encode(first)).spec.source == "/one")
    }

    @Test func payloadQueuedAsJSONByAnEarlierVersionStillReads() throws {
        let payload = sample()
        expectSame(try PayloadCoding.decodeDirectory(try JSONEncoder().encode(payload)), payload)
    }

    @Test func payloadWrittenBeforeTheNewEntriesMarkStillReads() throws {
        let spec = String(decoding: PayloadCoding.encode(SyncSpec(source: "/src", target: "/tempZone/t")), as: UTF8.self)
        let json = #"{"spec":\#(spec),"directory":"/src","collection":"/tempZone/t","entries":["5/6/f.txt"]}"#
        let decoded = try PayloadCoding.decodeDirectory(Data(json.utf8))
        #expect(decoded.entries == [FileEntry(name: "f.txt", size: 5, mtimeNanos: 6)])
        #expect(decoded.entriesAreNew == nil)
        #expect(decoded.collectionIsNew == nil)
    }

    @Test func truncatedOrNewerBinaryPayloadIsRejected() throws {
        let encoded = PayloadCoding.encode(sample())
        for length in [1, 2, 5, encoded.count / 2, encoded.count - 1] {
            #expect(throws: DecodingError.self) { try PayloadCoding.decodeDirectory(encoded.prefix(length)) }
        }
        var newer = encoded
        newer[newer.startIndex + 1] = 99
        #expect(throws: DecodingError.self) { try PayloadCoding.decodeDirectory(newer) }
    }
}
