import Foundation
import IngestCore
import IngestSync
import IngestTesting
import Testing

/// `--follow_symlinks` through directories that link to each other walks each directory once per
/// pass, however many links lead to it (issue 11 item 13).
@Suite struct LinkMeshTests {
    let target = "/tempZone/home/rods/mesh"

    /// Every collection under `root`, stopping at `limit` (a runaway walk must not stall the test).
    private func collections(_ engine: EmbeddedEngine, under root: String, limit: Int = 5000) async throws -> [String] {
        var found: [String] = []
        var queue = [root]
        while let next = queue.popLast(), found.count < limit {
            for entry in try await engine.catalog.list(collection: next) where entry.kind == .collection {
                found.append(entry.path)
                queue.append(entry.path)
            }
        }
        return found
    }

    /// `count` directories in `base`, each holding one file and a link to every other one.
    private func mesh(in base: String, count: Int) throws {
        for index in 0..<count { try TreeBuilder.write(base, "d\(index)/file.txt", "file \(index)") }
        for index in 0..<count {
            for other in 0..<count where other != index {
                try FileManager.default.createSymbolicLink(atPath: "\(base)/d\(index)/to-d\(other)", withDestinationPath: "\(base)/d\(other)")
            }
        }
    }

    @Test func directoriesLinkingToEachOtherInsideTheSourceAreWalkedOnce() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try mesh(in: source.path, count: 6)

        let status = try await engine.sync(SyncSpec(source: source.path, target: target, followSymlinks: true))
        #expect(status.state == .completed)
        // Each real directory once; its links lead to directories the listing of the root claimed.
        #expect(try await collections(engine, under: target).sorted() == (0..<6).map { "\(target)/d\($0)" })
        #expect(status.counter(Counter.skippedPrefix + "link_visited") == 30)
        for index in 0..<6 { #expect(try await engine.catalog.dataObject(at: "\(target)/d\(index)/file.txt") != nil) }
    }

    @Test func directoriesOutsideTheSourceLinkingToEachOtherAreWalkedOnce() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        try mesh(in: outside.path, count: 6)
        try FileManager.default.createSymbolicLink(atPath: source.subpath("entry"), withDestinationPath: outside.subpath("d0"))

        let status = try await engine.sync(SyncSpec(source: source.path, target: target, followSymlinks: true))
        #expect(status.state == .completed)
        // entry is d0; each other directory is walked under the first link that reached it.
        let walked = try await collections(engine, under: target)
        #expect(walked.count == 6, "walked \(walked.count) collections")
        #expect(Set(walked) == Set(["\(target)/entry"] + (1..<6).map { "\(target)/entry/to-d\($0)" }))
        var files = 0
        for collection in walked where try await engine.catalog.dataObject(at: "\(collection)/file.txt") != nil { files += 1 }
        #expect(files == 6, "every directory's file is registered exactly once")
    }

    @Test func theNextPassWalksTheLinksAgain() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        try TreeBuilder.write(outside.path, "shared/file.txt", "shared")
        try FileManager.default.createSymbolicLink(atPath: source.subpath("a"), withDestinationPath: outside.subpath("shared"))
        let spec = SyncSpec(source: source.path, target: target, followSymlinks: true)
        #expect(try await engine.sync(spec).state == .completed)
        try TreeBuilder.write(outside.path, "shared/added.txt", "added later")

        let second = try await engine.sync(spec)
        #expect(second.state == .completed)
        #expect(second.counter(Counter.skippedPrefix + "link_visited") == 0, "the first pass's claims ended with it")
        #expect(try await engine.catalog.dataObject(at: "\(target)/a/added.txt") != nil)
    }
}
