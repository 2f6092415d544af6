import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Testing

/// Every row of the operation table, on new and on changed files.
@Suite struct SyncOperationTests {
    let target = "/tempZone/home/rods/data"
    let past = Date(timeIntervalSince1970: 1_600_000_000)

    private func contents(_ path: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path))
    }

    private func vaultCopy(_ vault: StorageResource, _ relative: String) -> String {
        vault.path! + "/tempZone/home/rods/data/" + relative
    }

    @Test func putCopiesNewFilesAndLeavesChangedOnesAlone() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.txt", "first version", mtime: past)
        try TreeBuilder.write(source.path, "sub/b.bin", String(repeating: "b", count: 70_000))

        let first = try await engine.sync(SyncSpec(source: source.path, target: target, operation: .put, resource: "archive"), job: "p1", resources: [vault])
        #expect(first.succeeded)
        #expect(first.counter(Counter.bytesCopied) == 13 + 70_000)
        #expect(try contents(vaultCopy(vault, "a.txt")) == Data("first version".utf8))
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/a.txt"))
        #expect(object.replicas.map(\.resource) == ["archive"])
        #expect(object.replicas.first?.physicalPath == vaultCopy(vault, "a.txt"))
        #expect(TreeBuilder.stat(vaultCopy(vault, "a.txt")).mtimeNanos == TreeBuilder.stat(source.subpath("a.txt")).mtimeNanos)

        try TreeBuilder.write(source.path, "a.txt", "second version, longer")
        let second = try await engine.sync(SyncSpec(source: source.path, target: target, operation: .put, resource: "archive"), job: "p2", resources: [vault])
        #expect(second.counter(Counter.bytesCopied) == 0)
        #expect(second.counter(Counter.entriesUpdated) == 0)
        #expect(try contents(vaultCopy(vault, "a.txt")) == Data("first version".utf8))
        #expect(try await engine.catalog.dataObject(at: "\(target)/a.txt")?.size == 13)
    }

    @Test func putSyncCopiesChangedFilesAgainWhole() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.txt", "first", mtime: past)
        try TreeBuilder.write(source.path, "same.txt", "same", mtime: past)
        let spec = SyncSpec(source: source.path, target: target, operation: .putSync, resource: "archive")
        try await engine.sync(spec, job: "s1", resources: [vault])

        try TreeBuilder.write(source.path, "a.txt", "the second version")
        let second = try await engine.sync(spec, job: "s2", resources: [vault])
        #expect(second.counter(Counter.entriesUpdated) == 1)
        #expect(second.counter(Counter.bytesCopied) == 18, "the whole file is copied again, the unchanged one not at all")
        #expect(try contents(vaultCopy(vault, "a.txt")) == Data("the second version".utf8))
        #expect(try await engine.catalog.dataObject(at: "\(target)/a.txt")?.size == 18)
    }

    @Test func putAppendCopiesOnlyTheAppendedBytes() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let log = String(repeating: "line of log\n", count: 10_000)
        try TreeBuilder.write(source.path, "app.log", log, mtime: past)
        let spec = SyncSpec(source: source.path, target: target, operation: .putAppend, resource: "archive", checksum: .sha256)
        let first = try await engine.sync(spec, job: "a1", resources: [vault])
        #expect(first.counter(Counter.bytesCopied) == Int64(log.utf8.count))

        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source.subpath("app.log")))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(String(repeating: "appended\n", count: 100).utf8))
        try handle.close()
        let second = try await engine.sync(spec, job: "a2", resources: [vault])
        #expect(second.counter(Counter.bytesCopied) == 900, "only the 900 appended bytes are written")
        #expect(try contents(vaultCopy(vault, "app.log")) == contents(source.subpath("app.log")))
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/app.log"))
        #expect(object.size == Int64(log.utf8.count + 900))
        #expect(object.replicas.first?.checksum == (try sha256Base64(source.subpath("app.log"))), "the checksum covers the whole new content")
    }

    @Test func putAppendCopiesWholeWhenTheFileShrankOrItsCopiedPartChanged() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "shrinks.txt", "0123456789", mtime: past)
        try TreeBuilder.write(source.path, "rewritten.txt", "0123456789", mtime: past)
        let spec = SyncSpec(source: source.path, target: target, operation: .putAppend, resource: "archive")
        try await engine.sync(spec, job: "w1", resources: [vault])

        try TreeBuilder.write(source.path, "shrinks.txt", "01234")
        try TreeBuilder.write(source.path, "rewritten.txt", "X123456789-and-more")
        let second = try await engine.sync(spec, job: "w2", resources: [vault])
        #expect(second.counter(Counter.bytesCopied) == 5 + 19)
        #expect(try contents(vaultCopy(vault, "shrinks.txt")) == Data("01234".utf8))
        #expect(try contents(vaultCopy(vault, "rewritten.txt")) == Data("X123456789-and-more".utf8))
    }

    @Test func registerAsReplicaAddsReplicasAndMarksTheOthersStaleOnChange() async throws {
        let engine = try EmbeddedEngine()
        let east = try engine.vault("east")
        let west = try engine.vault("west")
        let eastTree = try TemporaryDirectory()
        let westTree = try TemporaryDirectory()
        for tree in [eastTree, westTree] { try TreeBuilder.write(tree.path, "data.csv", "a,b,c", mtime: past) }

        try await engine.sync(SyncSpec(source: eastTree.path, target: target, operation: .registerAsReplicaSync, resource: "east"), job: "e1", resources: [east, west])
        try await engine.sync(SyncSpec(source: westTree.path, target: target, operation: .registerAsReplicaSync, resource: "west"), job: "w1", resources: [east, west])
        var object = try #require(try await engine.catalog.dataObject(at: "\(target)/data.csv"))
        #expect(object.replicas.map(\.resource) == ["east", "west"])
        #expect(object.replicas.map(\.number) == [0, 1])
        #expect(object.replicas.map(\.physicalPath) == [eastTree.subpath("data.csv"), westTree.subpath("data.csv")])
        #expect(object.replicas.allSatisfy { $0.status == .good })

        try TreeBuilder.write(eastTree.path, "data.csv", "a,b,c,d")
        let changed = try await engine.sync(SyncSpec(source: eastTree.path, target: target, operation: .registerAsReplicaSync, resource: "east"), job: "e2", resources: [east, west])
        #expect(changed.counter(Counter.entriesUpdated) == 1)
        object = try #require(try await engine.catalog.dataObject(at: "\(target)/data.csv"))
        #expect(object.size == 7)
        #expect(object.replicas.first { $0.resource == "east" }?.status == .good)
        #expect(object.replicas.first { $0.resource == "east" }?.size == 7)
        #expect(object.replicas.first { $0.resource == "west" }?.status == .stale)

        // West's file has not changed since it was registered: it stays stale and does not win back the object.
        try await engine.sync(SyncSpec(source: westTree.path, target: target, operation: .registerAsReplicaSync, resource: "west"), job: "w2", resources: [east, west])
        object = try #require(try await engine.catalog.dataObject(at: "\(target)/data.csv"))
        #expect(object.size == 7)
        #expect(object.replicas.first { $0.resource == "east" }?.status == .good)
        #expect(object.replicas.first { $0.resource == "west" }?.status == .stale)
    }

    /// NO_OP walks the tree and changes nothing in the catalog, as in iRODS automated ingest: no
    /// object, and no collection either (the target and sub-collections were created before).
    @Test func noOpChangesNothingInTheCatalog() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.txt", "a")
        try TreeBuilder.write(source.path, "sub/b.txt", "b")
        let status = try await engine.sync(SyncSpec(source: source.path, target: target, operation: .noOp))
        #expect(status.succeeded)
        #expect(status.counter(Counter.entriesSkipped) == 4, "two files, the sub-directory and the target")
        #expect(status.counter(Counter.skippedPrefix + "no_op") == 2)
        #expect(status.counter(Counter.entriesCreated) == 0)
        for path in [target, "\(target)/sub", "\(target)/a.txt", "\(target)/sub/b.txt"] {
            #expect(try await engine.catalog.kind(of: path) == nil, "\(path)")
        }
    }

    @Test func copyOperationsWithoutAResourceAreRefused() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        do {
            _ = try await SyncJob.prepare(SyncSpec(source: source.path, target: target, operation: .put), jobName: "x", catalog: engine.catalog)
            Issue.record("PUT without a resource was accepted")
        } catch let error as IngestError {
            #expect(error.description.contains("--to_resource"))
        }
        do {
            _ = try await SyncJob.prepare(
                SyncSpec(source: source.path, target: target, operation: .put, resource: "nope"), jobName: "x", catalog: engine.catalog,
                resources: [try engine.vault("archive"), try engine.vault("backup")], configurationSource: "/etc/ingest.yaml")
            Issue.record("an unknown resource was accepted")
        } catch let error as IngestError {
            #expect(error.description.contains("resource 'nope' is not defined in /etc/ingest.yaml; defined: archive, backup"))
        }
        #expect(try await engine.broker.jobs().isEmpty)
    }

    @Test func defaultResourceServesCopyOperations() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.txt", "a")
        let (job, tasks) = try await SyncJob.prepare(
            SyncSpec(source: source.path, target: target, operation: .put), jobName: "d", catalog: engine.catalog,
            resources: [vault], defaultResource: "archive")
        try await engine.broker.submit(job, tasks: tasks)
        let status = try await engine.runWorker(until: "d")
        #expect(status.succeeded)
        #expect(FileManager.default.fileExists(atPath: vaultCopy(vault, "a.txt")))
    }

    @Test func failedCopyLeavesNeitherAHalfFileNorATemporaryOne() throws {
        let directory = try TemporaryDirectory()
        let destination = try TreeBuilder.write(directory.path, "vault/copy.bin", "the old complete copy")
        let unreadableSource = directory.subpath("a-directory")
        try FileManager.default.createDirectory(atPath: unreadableSource, withIntermediateDirectories: true)
        let input = try FileCopier.openForReading(Array(unreadableSource.utf8))
        defer { close(input) }
        #expect(throws: (any Error).self) {
            try FileCopier.copyWhole(from: input, toDirectory: directory.subpath("vault"), name: "copy.bin", mtimeNanos: 0, checksum: nil)
        }
        #expect(try contents(destination) == Data("the old complete copy".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.subpath("vault")) == ["copy.bin"])
    }

    @Test func severalConcurrentTasksPutEveryFileOnce() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let files = try TreeBuilder.grid(source.path, directories: 12, filesPerDirectory: 15)
        let status = try await engine.sync(
            SyncSpec(source: source.path, target: target, filesPerTask: 4, operation: .putSync, resource: "archive"), concurrency: 8,
            resources: [vault])
        #expect(status.succeeded)
        for file in files {
            #expect(try contents(vaultCopy(vault, file)) == contents(source.subpath(file)))
        }
        let expectedBytes = files.reduce(Int64(0)) { $0 + TreeBuilder.stat(source.subpath($1)).size }
        #expect(status.counter(Counter.bytesCopied) == expectedBytes)
    }
}

/// `sha256sum`, re-encoded the way iRODS stores SHA-256 checksums (`sha2:` + base64).
func sha256Base64(_ path: String) throws -> String {
    let hex = try runTool("/usr/bin/sha256sum", [path]).split(separator: " ")[0]
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        bytes.append(UInt8(hex[index..<next], radix: 16)!)
        index = next
    }
    return "sha2:" + Data(bytes).base64EncodedString()
}

/// Runs a system tool and returns its standard output.
func runTool(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try ChildProcesses.launch(process)
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
