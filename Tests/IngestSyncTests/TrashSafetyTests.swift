import Foundation
import IngestCore
import IngestSync
import IngestTesting
import Testing

/// Delete modes never touch a file Ingest did not copy into a vault, whatever jobs share a collection.
@Suite struct TrashSafetyTests {
    let collection = "/tempZone/home/rods/shared"

    private func contents(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The steps: a register job and a TRASH job of another directory into one collection, each twice.
    @Test func trashOfAnotherJobsCollectionLeavesRegisteredFilesAlone() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let userdata = try TemporaryDirectory()
        let notes = try TreeBuilder.write(userdata.path, "notes.txt", "the user's only copy")
        let other = try TemporaryDirectory()
        try TreeBuilder.write(other.path, "other.txt", "other")
        let register = SyncSpec(source: userdata.path, target: collection)
        let trash = SyncSpec(source: other.path, target: collection, operation: .putSync, resource: "archive", deleteMode: .trash)
        for round in 1...2 {
            try await engine.sync(register, job: "register\(round)")
            try await engine.sync(trash, job: "trash\(round)", resources: [vault])
        }
        #expect(contents(notes) == "the user's only copy")
        // The registration belongs to the other job: this job's delete mode leaves it in place.
        #expect(try await engine.catalog.kind(of: "\(collection)/notes.txt") == .dataObject)
    }

    /// An object with a copy in the vault (a TRASH job's) and a replica registered in place (another
    /// job's): when the copy job's file vanishes, the object stays with the other job's registration,
    /// the registered file is never touched, and the copy is not lost; twice over.
    @Test func anObjectSharedWithARegistrationIsNeitherTrashedNorEmptied() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let userdata = try TemporaryDirectory()
        let notes = try TreeBuilder.write(userdata.path, "notes.txt", "registered in place")
        let copied = try TemporaryDirectory()
        let register = SyncSpec(source: userdata.path, target: collection, operation: .registerAsReplicaSync)
        let trash = SyncSpec(source: copied.path, target: collection, operation: .putSync, resource: "archive", deleteMode: .trash)
        for round in 1...2 {
            try TreeBuilder.write(copied.path, "notes.txt", "copy \(round)")
            try await engine.sync(register, job: "register\(round)")
            try await engine.sync(trash, job: "copy\(round)", resources: [vault])
            let object = try #require(try await engine.catalog.dataObject(at: "\(collection)/notes.txt"))
            #expect(object.replicas.count == 2)
            try FileManager.default.removeItem(atPath: copied.subpath("notes.txt"))
            let status = try await engine.sync(trash, job: "trash\(round)", resources: [vault])
            #expect(status.counter(Counter.skippedPrefix + "shared_object") == 1)
            let kept = try #require(try await engine.catalog.dataObject(at: "\(collection)/notes.txt"))
            #expect(kept.replicas.contains { $0.resource == StorageResource.inPlace.name && $0.physicalPath == notes })
            let copy = try #require(kept.replicas.first { $0.resource == "archive" })
            #expect(contents(copy.physicalPath) == "copy \(round)")
        }
        #expect(contents(notes) == "registered in place")
        #expect(try await engine.catalog.dataObject(at: "/tempZone/trash/home/rods/shared/notes.txt") == nil)
    }

    @Test(arguments: ["/tempZone/trash", "/tempZone/trash/home/rods/data", "/tempZone"])
    func theTrashNamespaceAndTheZoneRootAreNotTargets(target: String) async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        await #expect(throws: IngestError.self) {
            _ = try await SyncJob.prepare(SyncSpec(source: source.path, target: target), jobName: "bad", catalog: engine.catalog)
        }
        #expect(try await engine.catalog.kind(of: target) == nil)
    }

    /// Two zones' collections of the same path keep their copies apart in one vault.
    @Test func twoZonesKeepTheirCopiesApartInOneVault() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let sourceA = try TemporaryDirectory()
        let sourceB = try TemporaryDirectory()
        try TreeBuilder.write(sourceA.path, "data.txt", "zone A")
        try TreeBuilder.write(sourceB.path, "data.txt", "zone B")
        try await engine.sync(SyncSpec(source: sourceA.path, target: "/zoneA/home/proj", operation: .put, resource: "archive"), job: "a", resources: [vault])
        let specB = SyncSpec(source: sourceB.path, target: "/zoneB/home/proj", operation: .putSync, resource: "archive", deleteMode: .noTrash)
        try await engine.sync(specB, job: "b", resources: [vault])
        let a = try #require(try await engine.catalog.dataObject(at: "/zoneA/home/proj/data.txt"))
        let b = try #require(try await engine.catalog.dataObject(at: "/zoneB/home/proj/data.txt"))
        #expect(a.replicas[0].physicalPath != b.replicas[0].physicalPath)
        #expect(contents(a.replicas[0].physicalPath) == "zone A")
        #expect(contents(b.replicas[0].physicalPath) == "zone B")
        // B's file goes away: NO_TRASH deletes B's copy only.
        try FileManager.default.removeItem(atPath: sourceB.subpath("data.txt"))
        try await engine.sync(specB, job: "b2", resources: [vault])
        #expect(contents(a.replicas[0].physicalPath) == "zone A")
        #expect(contents(b.replicas[0].physicalPath) == nil)
    }

    /// A vault inside the source would copy itself deeper on every pass; a source inside a vault would
    /// let delete modes reach the user's files.
    @Test func aVaultAndTheSourceMayNotOverlap() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.txt", "a")
        let inside = StorageResource(name: "inside", type: "vault", path: source.subpath("vault"))
        await #expect(throws: IngestError.self) {
            _ = try await SyncJob.prepare(
                SyncSpec(source: source.path, target: collection, operation: .put, resource: "inside"), jobName: "bad",
                catalog: engine.catalog, resources: [inside])
        }
        let around = StorageResource(name: "around", type: "vault", path: (source.path as NSString).deletingLastPathComponent)
        await #expect(throws: IngestError.self) {
            _ = try await SyncJob.prepare(
                SyncSpec(source: source.path, target: collection, operation: .put, resource: "around"), jobName: "bad",
                catalog: engine.catalog, resources: [around])
        }
        #expect(try await engine.catalog.resources().map(\.name).filter { ["inside", "around"].contains($0) }.isEmpty)
    }

    /// Two jobs of different sources share a collection and a resource: a register job's entries
    /// (registered on the vault resource) and a copy job's copies are each their own job's, and
    /// neither job's delete mode takes the other's, sub-collections included.
    @Test func jobsSharingACollectionAndAResourceKeepEachOthersEntries() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let registered = try TemporaryDirectory()
        let a1 = try TreeBuilder.write(registered.path, "a1.txt", "a1")
        try TreeBuilder.write(registered.path, "a2.txt", "a2")
        try TreeBuilder.write(registered.path, "sub/a3.txt", "a3")
        let copied = try TemporaryDirectory()
        try TreeBuilder.write(copied.path, "b1.txt", "b1")
        try TreeBuilder.write(copied.path, "b2.txt", "b2")
        let register = SyncSpec(source: registered.path, target: collection, resource: "archive", deleteMode: .unregister)
        let copy = SyncSpec(source: copied.path, target: collection, operation: .putSync, resource: "archive", deleteMode: .trash)
        #expect(try await engine.sync(register, job: "a1", resources: [vault]).succeeded)
        let firstCopy = try await engine.sync(copy, job: "b1", resources: [vault])
        #expect(firstCopy.counter(Counter.entriesDeleted) == 0, "the copy job took the register job's entries")
        for name in ["a1.txt", "a2.txt", "sub/a3.txt", "b1.txt", "b2.txt"] {
            #expect(try await engine.catalog.kind(of: "\(collection)/\(name)") == .dataObject, "\(name) is gone")
        }

        try FileManager.default.removeItem(atPath: registered.subpath("a2.txt"))
        let secondRegister = try await engine.sync(register, job: "a2", resources: [vault])
        #expect(secondRegister.counter(Counter.entriesDeleted) == 1)
        #expect(try await engine.catalog.kind(of: "\(collection)/a2.txt") == nil)
        for name in ["b1.txt", "b2.txt"] {
            let object = try #require(try await engine.catalog.dataObject(at: "\(collection)/\(name)"), "\(name) was unregistered")
            #expect(contents(object.replicas[0].physicalPath) == String(name.prefix(2)))
        }

        try FileManager.default.removeItem(atPath: copied.subpath("b2.txt"))
        let secondCopy = try await engine.sync(copy, job: "b2", resources: [vault])
        #expect(secondCopy.counter(Counter.entriesDeleted) == 1)
        #expect(try await engine.catalog.kind(of: "\(collection)/b2.txt") == nil)
        #expect(try await engine.catalog.kind(of: "\(collection)/sub/a3.txt") == .dataObject)
        #expect(contents(a1) == "a1")
    }

    /// A copy job's NO_TRASH of a vanished file leaves the object alone when another job holds a copy
    /// of it on another resource: that copy is never unlinked.
    @Test func deletingAnObjectNeverTakesAnotherJobsCopyOnAnotherResource() async throws {
        let engine = try EmbeddedEngine()
        let first = try engine.vault("first")
        let second = try engine.vault("second")
        let sourceA = try TemporaryDirectory()
        let sourceB = try TemporaryDirectory()
        try TreeBuilder.write(sourceA.path, "x.txt", "from a")
        try TreeBuilder.write(sourceB.path, "x.txt", "from b")
        let jobA = SyncSpec(source: sourceA.path, target: collection, operation: .putSync, resource: "first", deleteMode: .noTrash)
        let jobB = SyncSpec(source: sourceB.path, target: collection, operation: .put, resource: "second")
        #expect(try await engine.sync(jobA, job: "a1", resources: [first, second]).succeeded)
        #expect(try await engine.sync(jobB, job: "b1", resources: [first, second]).succeeded)
        let before = try #require(try await engine.catalog.dataObject(at: "\(collection)/x.txt"))
        let copyOfB = try #require(before.replicas.first { $0.resource == "second" }).physicalPath

        try FileManager.default.removeItem(atPath: sourceA.subpath("x.txt"))
        let again = try await engine.sync(jobA, job: "a2", resources: [first, second])
        #expect(again.succeeded)
        #expect(contents(copyOfB) == "from b", "job a's NO_TRASH unlinked job b's copy")
        #expect(try await engine.catalog.dataObject(at: "\(collection)/x.txt")?.replicas.contains { $0.resource == "second" } == true)
        #expect(again.counter(Counter.skippedPrefix + "shared_object") == 1)
    }

    /// A copy job records links in place; when a link goes, its entry goes with the delete mode, and
    /// the link's target is untouched.
    @Test func aVanishedLinkOfACopyJobIsDeleted() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        let target = try TreeBuilder.write(outside.path, "target.txt", "pointed at")
        try TreeBuilder.write(source.path, "real.txt", "real")
        try FileManager.default.createSymbolicLink(atPath: source.subpath("link"), withDestinationPath: target)
        let spec = SyncSpec(source: source.path, target: collection, operation: .putSync, resource: "archive", deleteMode: .noTrash)
        #expect(try await engine.sync(spec, job: "one", resources: [vault]).succeeded)
        #expect(try await engine.catalog.kind(of: "\(collection)/link") == .dataObject)
        try FileManager.default.removeItem(atPath: source.subpath("link"))
        let again = try await engine.sync(spec, job: "two", resources: [vault])
        #expect(again.counter(Counter.entriesDeleted) == 1)
        #expect(try await engine.catalog.kind(of: "\(collection)/link") == nil)
        #expect(contents(target) == "pointed at")
    }
}
