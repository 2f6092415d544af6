import Foundation
import IngestCore
import IngestSync
import IngestTesting
import Testing

/// A file that becomes a directory of the same name, or back: the new kind replaces the old one and
/// every later pass succeeds.
@Suite struct KindChangeTests {
    let target = "/tempZone/home/rods/kinds"

    private func contents(_ path: String) -> String? {
        (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test(arguments: [DeleteMode.doNotDelete, .trash, .noTrash])
    func aFileThatBecomesADirectoryReplacesItsObject(mode: DeleteMode) async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "x", "a file")
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive", deleteMode: mode)
        #expect(try await engine.sync(spec, job: "one", resources: [vault]).succeeded)
        try FileManager.default.removeItem(atPath: source.subpath("x"))
        try TreeBuilder.write(source.path, "x/inner.txt", "inside")
        for pass in ["two", "three"] {
            let status = try await engine.sync(spec, job: pass, resources: [vault])
            #expect(status.succeeded, "\(pass): \(status.counters)")
        }
        #expect(try await engine.catalog.kind(of: "\(target)/x") == .collection)
        let inner = try #require(try await engine.catalog.dataObject(at: "\(target)/x/inner.txt"))
        #expect(contents(inner.replicas[0].physicalPath) == "inside")
        let trashed = try await engine.catalog.dataObject(at: "/tempZone/trash/home/rods/kinds/x")
        if mode == .noTrash {
            #expect(trashed == nil)
        } else {
            // Nothing is lost: the old object and its bytes are in the trash.
            #expect(contents(try #require(trashed).replicas[0].physicalPath) == "a file")
        }
    }

    @Test(arguments: [DeleteMode.doNotDelete, .trash, .noTrash])
    func aDirectoryThatBecomesAFileReplacesItsCollection(mode: DeleteMode) async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "x/inner.txt", "inside")
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive", deleteMode: mode)
        #expect(try await engine.sync(spec, job: "one", resources: [vault]).succeeded)
        try FileManager.default.removeItem(atPath: source.subpath("x"))
        try TreeBuilder.write(source.path, "x", "now a file")
        for pass in ["two", "three"] {
            let status = try await engine.sync(spec, job: pass, resources: [vault])
            #expect(status.succeeded, "\(pass): \(status.counters)")
        }
        #expect(try await engine.catalog.kind(of: "\(target)/x") == .dataObject)
        #expect(try await engine.catalog.kind(of: "\(target)/x/inner.txt") == nil)
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/x"))
        #expect(contents(object.replicas[0].physicalPath) == "now a file")
    }

    @Test func aRegisteredDirectoryThatBecomesAFileIsRegisteredAsAFile() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "x/inner.txt", "inside")
        let spec = SyncSpec(source: source.path, target: target, deleteMode: .unregister)
        #expect(try await engine.sync(spec, job: "one").succeeded)
        try FileManager.default.removeItem(atPath: source.subpath("x"))
        try TreeBuilder.write(source.path, "x", "now a file")
        #expect(try await engine.sync(spec, job: "two").succeeded)
        #expect(try await engine.catalog.kind(of: "\(target)/x") == .dataObject)
        #expect(try await engine.catalog.children(of: target).collections.isEmpty)
    }
}
