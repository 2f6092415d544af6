import Foundation
import IngestCore
import IngestSync
import IngestTesting
import Testing

/// Delete modes and their rules, and checksums stored and verified.
@Suite struct DeletionAndChecksumTests {
    let target = "/tempZone/home/rods/data"

    private func tree() throws -> TemporaryDirectory {
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "keep.txt", "keep")
        try TreeBuilder.write(source.path, "gone.txt", "gone")
        try TreeBuilder.write(source.path, "old/inner.txt", "inner")
        try TreeBuilder.write(source.path, "old/deeper/leaf.txt", "leaf")
        return source
    }

    private func removeVanishing(_ source: TemporaryDirectory) throws {
        try FileManager.default.removeItem(atPath: source.subpath("gone.txt"))
        try FileManager.default.removeItem(atPath: source.subpath("old"))
    }

    @Test func unregisterRemovesVanishedEntriesFromTheCatalog() async throws {
        let engine = try EmbeddedEngine()
        let source = try tree()
        let spec = SyncSpec(source: source.path, target: target, deleteMode: .unregister)
        try await engine.sync(spec, job: "one")
        try removeVanishing(source)
        let status = try await engine.sync(spec, job: "two")
        #expect(status.counter(Counter.entriesDeleted) == 2)
        #expect(try await engine.catalog.kind(of: "\(target)/gone.txt") == nil)
        #expect(try await engine.catalog.kind(of: "\(target)/old") == nil)
        #expect(try await engine.catalog.kind(of: "\(target)/old/deeper/leaf.txt") == nil)
        #expect(try await engine.catalog.kind(of: "\(target)/keep.txt") == .dataObject)
    }

    @Test func noTrashRemovesEntriesAndTheirStoredCopies() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try tree()
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive", deleteMode: .noTrash)
        try await engine.sync(spec, job: "one", resources: [vault])
        let goneCopy = vault.path! + "/tempZone/home/rods/data/gone.txt"
        let leafCopy = vault.path! + "/tempZone/home/rods/data/old/deeper/leaf.txt"
        #expect(FileManager.default.fileExists(atPath: goneCopy))
        try removeVanishing(source)
        let status = try await engine.sync(spec, job: "two", resources: [vault])
        #expect(status.counter(Counter.entriesDeleted) == 2)
        #expect(try await engine.catalog.kind(of: "\(target)/gone.txt") == nil)
        #expect(!FileManager.default.fileExists(atPath: goneCopy))
        #expect(!FileManager.default.fileExists(atPath: leafCopy))
        #expect(FileManager.default.fileExists(atPath: vault.path! + "/tempZone/home/rods/data/keep.txt"))
    }

    @Test func trashMovesEntriesUnderTheZoneTrashAndKeepsTheirCopies() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try tree()
        let spec = SyncSpec(source: source.path, target: target, operation: .putAppend, resource: "archive", deleteMode: .trash)
        try await engine.sync(spec, job: "one", resources: [vault])
        try removeVanishing(source)
        let status = try await engine.sync(spec, job: "two", resources: [vault])
        #expect(status.counter(Counter.entriesDeleted) == 2)
        #expect(try await engine.catalog.kind(of: "\(target)/gone.txt") == nil)
        let trashed = try #require(try await engine.catalog.dataObject(at: "/tempZone/trash/home/rods/data/gone.txt"))
        #expect(trashed.replicas[0].physicalPath == vault.path! + "/tempZone/trash/home/rods/data/gone.txt")
        #expect(try Data(contentsOf: URL(fileURLWithPath: trashed.replicas[0].physicalPath)) == Data("gone".utf8))
        let leaf = try #require(try await engine.catalog.dataObject(at: "/tempZone/trash/home/rods/data/old/deeper/leaf.txt"))
        #expect(FileManager.default.fileExists(atPath: leaf.replicas[0].physicalPath))
        #expect(try await engine.catalog.kind(of: "\(target)/old") == nil)

        // The file comes back with new content: it is copied anew and the trashed bytes stay.
        try TreeBuilder.write(source.path, "gone.txt", "back again")
        try await engine.sync(spec, job: "three", resources: [vault])
        #expect(try Data(contentsOf: URL(fileURLWithPath: vault.path! + "/tempZone/home/rods/data/gone.txt")) == Data("back again".utf8))
        #expect(try Data(contentsOf: URL(fileURLWithPath: trashed.replicas[0].physicalPath)) == Data("gone".utf8))
    }

    @Test func excludedAndSkippedEntriesAreNeverDeleted() async throws {
        let engine = try EmbeddedEngine()
        let source = try tree()
        try await engine.sync(SyncSpec(source: source.path, target: target), job: "all")
        #expect(mkfifo(source.subpath("pipe"), 0o644) == 0)
        let rules = ExclusionRules(fileNamePatterns: [#".*/keep\.txt"#], directoryNamePatterns: [#".*/old$"#])
        let status = try await engine.sync(
            SyncSpec(source: source.path, target: target, exclusions: rules, deleteMode: .unregister), job: "excluding")
        #expect(status.counter(Counter.entriesDeleted) == 0)
        #expect(try await engine.catalog.kind(of: "\(target)/keep.txt") == .dataObject)
        #expect(try await engine.catalog.kind(of: "\(target)/old/inner.txt") == .dataObject)
    }

    @Test(arguments: [
        (SyncOperation.put, DeleteMode.unregister), (.putSync, .unregister), (.registerSync, .trash), (.registerAsReplicaSync, .noTrash),
        (.put, .trash), (.put, .noTrash), (.noOp, .unregister), (.noOp, .trash),
    ])
    func refusedCombinationQueuesNothing(_ operation: SyncOperation, _ mode: DeleteMode) async throws {
        let engine = try EmbeddedEngine()
        let source = try tree()
        do {
            _ = try await SyncJob.prepare(
                SyncSpec(source: source.path, target: target, operation: operation, resource: "archive", deleteMode: mode), jobName: "x",
                catalog: engine.catalog, resources: [try engine.vault("archive")])
            Issue.record("\(operation) with \(mode) was accepted")
        } catch let error as IngestError {
            #expect(error.description.contains("--delete_mode"))
            #expect(error.description.contains(mode.rawValue))
        }
        #expect(try await engine.broker.jobs().isEmpty)
    }

    @Test func deletionAndVerifyWorkBelowNonLatinPaths() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "dossier é/日本/深い/leaf.txt", "leaf")
        try TreeBuilder.write(source.path, "dossier é/日本/other.txt", "other")
        try TreeBuilder.write(source.path, "dossier é/keep.txt", "keep")
        let spec = SyncSpec(source: source.path, target: target, checksum: .md5, deleteMode: .unregister)
        try await engine.sync(spec, job: "one")
        let report = try await ReplicaVerifier.verify(path: "\(target)/dossier é", catalog: engine.catalog)
        #expect(report.objects == 3, "verify reaches objects in sub-collections with non-Latin names")

        try FileManager.default.removeItem(atPath: source.subpath("dossier é/日本"))
        let status = try await engine.sync(spec, job: "two")
        #expect(status.succeeded)
        #expect(status.counter(Counter.entriesDeleted) == 1)
        #expect(try await engine.catalog.kind(of: "\(target)/dossier é/日本") == nil)
        #expect(try await engine.catalog.kind(of: "\(target)/dossier é/日本/深い/leaf.txt") == nil)
        #expect(try await engine.catalog.kind(of: "\(target)/dossier é/keep.txt") == .dataObject)
    }

    @Test func checksumCatchesAChangeThatKeepsSizeAndMtime() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let mtime = Date(timeIntervalSince1970: 1_600_000_000)
        try TreeBuilder.write(source.path, "data.bin", "AAAA", mtime: mtime)
        try await engine.sync(SyncSpec(source: source.path, target: target, checksum: .sha256), job: "one")
        try TreeBuilder.write(source.path, "data.bin", "BBBB", mtime: mtime)

        let withoutChecksum = try await engine.sync(SyncSpec(source: source.path, target: target), job: "two")
        #expect(withoutChecksum.counter(Counter.entriesUpdated) == 0, "size and mtime alone cannot see it")
        let withChecksum = try await engine.sync(SyncSpec(source: source.path, target: target, checksum: .sha256), job: "three")
        #expect(withChecksum.counter(Counter.entriesUpdated) == 1)
        #expect(try await engine.catalog.dataObject(at: "\(target)/data.bin")?.checksum == (try sha256Base64(source.subpath("data.bin"))))
    }

    @Test(arguments: [ChecksumAlgorithm.sha256, .md5])
    func checksumsAreStoredOnRegisterAndMatchTheSystemTools(_ algorithm: ChecksumAlgorithm) async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let file = try TreeBuilder.write(source.path, "data.bin", String(repeating: "checksum me ", count: 5000))
        try await engine.sync(SyncSpec(source: source.path, target: target, checksum: algorithm))
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/data.bin"))
        let expected = algorithm == .sha256
            ? try sha256Base64(file)
            : String(try runTool("/usr/bin/md5sum", [file]).split(separator: " ")[0])
        #expect(object.checksum == expected)
        #expect(object.replicas.first?.checksum == expected)
    }

    @Test func verifyFindsCorruptedAndMissingCopies() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        for name in ["good.txt", "corrupt.txt", "missing.txt"] { try TreeBuilder.write(source.path, "sub/" + name, "content of \(name)") }
        try await engine.sync(SyncSpec(source: source.path, target: target, operation: .put, resource: "archive", checksum: .sha256), resources: [vault])
        var report = try await ReplicaVerifier.verify(path: target, catalog: engine.catalog)
        #expect(report.problems.isEmpty)
        #expect(report.checksumsVerified == 3)

        let copies = vault.path! + "/tempZone/home/rods/data/sub/"
        var corrupted = try Data(contentsOf: URL(fileURLWithPath: copies + "corrupt.txt"))
        corrupted[0] ^= 0xFF  // same size, different bytes: only the checksum can tell
        try corrupted.write(to: URL(fileURLWithPath: copies + "corrupt.txt"))
        try FileManager.default.removeItem(atPath: copies + "missing.txt")
        report = try await ReplicaVerifier.verify(path: target, catalog: engine.catalog)
        let problems = Dictionary(uniqueKeysWithValues: report.problems.map { (LogicalPath.name(of: $0.object), $0.problem) })
        #expect(problems.count == 2)
        #expect(problems["corrupt.txt"]?.hasPrefix("checksum differs") == true)
        #expect(problems["missing.txt"]?.hasPrefix("missing") == true)

        let single = try await ReplicaVerifier.verify(path: "\(target)/sub/good.txt", catalog: engine.catalog)
        #expect(single.replicasChecked == 1)
        #expect(single.problems.isEmpty)
    }
}

extension DeletionAndChecksumTests {
    /// Issue 13 item 3: with --checksum, a copy is made again when the content changed but the size
    /// and mtime did not (PUT_SYNC and PUT_APPEND compare the stored checksum; PUT never copies again).
    @Test(arguments: [SyncOperation.putSync, .putAppend])
    func checksumCatchesAChangeThatKeepsSizeAndMtimeOnACopy(_ operation: SyncOperation) async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let mtime = Date(timeIntervalSince1970: 1_600_000_000)
        try TreeBuilder.write(source.path, "data.bin", "AAAA", mtime: mtime)
        let spec = SyncSpec(source: source.path, target: target, operation: operation, resource: "archive", checksum: .sha256)
        try await engine.sync(spec, job: "one", resources: [vault])
        try TreeBuilder.write(source.path, "data.bin", "BBBB", mtime: mtime)
        let again = try await engine.sync(spec, job: "two", resources: [vault])
        #expect(again.counter(Counter.entriesUpdated) == 1)
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/data.bin"))
        let copy = try #require(object.replicas.first?.physicalPath)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == Data("BBBB".utf8))
        #expect(object.checksum == (try sha256Base64(source.subpath("data.bin"))))
    }
}
