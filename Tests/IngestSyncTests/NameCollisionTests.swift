import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Testing

/// Two different files never share a catalog entry or a copy, however their names look alike.
@Suite struct NameCollisionTests {
    let target = "/tempZone/home/rods/names"

    private func contents(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The file literally named `caf%E9` and the non-UTF-8 `caf\xE9` were one object and one copy.
    @Test func aLiteralEscapeAndTheByteItStandsForAreTwoObjects() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "caf%E9", "literal percent")
        #expect(writeBytes(Array(source.path.utf8) + [0x2F] + Array("caf".utf8) + [0xE9], Array("latin-1 byte".utf8)))
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive")
        let first = try await engine.sync(spec, job: "one", resources: [vault])
        #expect(first.counter(Counter.entriesCreated) == 3)
        let objects = try await engine.catalog.list(collection: target)
        #expect(objects.count == 2)
        var copies: [String] = []
        for object in objects {
            let stored = try #require(try await engine.catalog.dataObject(at: object.path))
            copies.append(try #require(contents(stored.replicas[0].physicalPath)))
        }
        #expect(copies.sorted() == ["latin-1 byte", "literal percent"])
        let again = try await engine.sync(spec, job: "two", resources: [vault])
        #expect(again.counter(Counter.entriesUpdated) == 0, "nothing changed, so nothing is updated")
        #expect(again.counter(Counter.entriesUnchanged) == 3)
    }

    @Test func escapingIsOneToOne() {
        let names: [[UInt8]] = [
            Array("caf%E9".utf8), Array("caf".utf8) + [0xE9], Array("caf%25E9".utf8), Array("caf%e9".utf8), Array("100%".utf8),
            Array("%%41".utf8), Array("%".utf8) + [0xE9], Array("%4".utf8) + [0xE9], Array("a%2".utf8), Array("%41%42".utf8),
        ]
        var texts = Set<String>()
        for name in names {
            let text = NameEscaping.text(for: name).text
            #expect(NameEscaping.unescape(text) == name, "\(text)")
            texts.insert(text)
        }
        #expect(texts.count == names.count)
        // Names without an escape look-alike stay as they are.
        #expect(NameEscaping.text(for: Array("100% done".utf8)) == ("100% done", false))
    }

    /// NFC `café` and NFD `cafe\u{301}` are two files on Linux: two objects, two copies, and the one
    /// that goes away is the one removed.
    @Test func canonicallyEquivalentNamesAreTwoFiles() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(writeBytes(Array(source.subpath(composed).utf8), Array("composed".utf8)))
        #expect(writeBytes(Array(source.path.utf8) + [0x2F] + Array(decomposed.utf8), Array("decomposed".utf8)))
        let spec = SyncSpec(source: source.path, target: target, operation: .putAppend, resource: "archive", deleteMode: .noTrash)
        try await engine.sync(spec, job: "one", resources: [vault])
        let again = try await engine.sync(spec, job: "two", resources: [vault])
        #expect(again.counter(Counter.entriesUnchanged) == 3)
        #expect(try await engine.catalog.children(of: target).objects.count == 2)
        // The NFD file goes away: its entry and copy go, the NFC one stays.
        #expect(unlink(Array(source.path.utf8 + [0x2F] + Array(decomposed.utf8)).map { CChar(bitPattern: $0) } + [0]) == 0)
        let third = try await engine.sync(spec, job: "three", resources: [vault])
        #expect(third.counter(Counter.entriesDeleted) == 1)
        let left = try await engine.catalog.children(of: target).objects
        #expect(left.count == 1)
        #expect(left.first.map { Array($0.utf8) } == Array(composed.utf8))
        let kept = try #require(try await engine.catalog.dataObject(at: "\(target)/\(composed)"))
        #expect(contents(kept.replicas[0].physicalPath) == "composed")
    }

    /// A legal 255-byte name that escaping makes longer (`%41` x 85 becomes 425 bytes) still gets its
    /// copy, with the right bytes, and a second pass finds it unchanged.
    @Test func aNameLongerOnceEscapedIsStillCopied() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let escapeLike = String(repeating: "%41", count: 85)
        try TreeBuilder.write(source.path, escapeLike, "looks escaped")
        #expect(writeBytes(Array(source.path.utf8) + [0x2F] + [UInt8](repeating: 0xFF, count: 255), Array("all ff".utf8)))
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive")
        let first = try await engine.sync(spec, job: "one", resources: [vault])
        #expect(first.succeeded, "\(first.counters)")
        var copies: [String] = []
        for object in try await engine.catalog.list(collection: target) {
            let stored = try #require(try await engine.catalog.dataObject(at: object.path))
            copies.append(try #require(contents(stored.replicas[0].physicalPath)))
        }
        #expect(copies.sorted() == ["all ff", "looks escaped"])
        let again = try await engine.sync(spec, job: "two", resources: [vault])
        #expect(again.succeeded)
        #expect(again.counter(Counter.entriesUnchanged) == 3)
    }

    /// `verify` of a file registered in place under a directory whose name is not UTF-8 reads that
    /// file, not the one its escaped path names (`d%E9/100%` here holds other data).
    @Test func verifyReadsTheRegisteredFileUnderANonUTF8Directory() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let directory = Array(source.path.utf8) + [0x2F] + Array("d".utf8) + [0xE9]
        #expect((directory + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { Glibc.mkdir($0.baseAddress!, 0o755) } } == 0 || errno == EEXIST)
        let file = directory + [0x2F] + Array("100%".utf8)
        #expect(writeBytes(file, Array("four".utf8)))
        // A decoy at the escaped spelling of the path.
        try TreeBuilder.write(source.path, "d%E9/100%", "four")
        let spec = SyncSpec(source: source.path, target: target)
        #expect(try await engine.sync(spec).succeeded)
        #expect(writeBytes(file, Array("now fourteen b".utf8)))
        let report = try await ReplicaVerifier.verify(path: target, catalog: engine.catalog)
        #expect(report.problems.contains { $0.object == "\(target)/d%E9/100%" && $0.problem.hasPrefix("size differs: 14 bytes") }, "the grown file is not reported: \(report.problems)")
        #expect(report.problems.count == 1, "\(report.problems)")
    }

    /// A directory whose 255-byte name escaping lengthens holds copies too.
    @Test func aDirectoryNameLongerOnceEscapedStillHoldsCopies() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let longName = String(repeating: "%41", count: 85)
        try TreeBuilder.write(source.path, "\(longName)/inside.txt", "deep")
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive")
        let status = try await engine.sync(spec, job: "one", resources: [vault])
        #expect(status.succeeded, "\(status.counters)")
        let collection = try #require(try await engine.catalog.list(collection: target).first)
        let object = try #require(try await engine.catalog.dataObject(at: "\(collection.path)/inside.txt"))
        #expect(contents(object.replicas[0].physicalPath) == "deep")
    }
}
