import Foundation
import IngestCore
import IngestSync
import IngestTesting
import Testing

/// Exclusions, links, special files and odd names.
@Suite struct SyncOptionsTests {
    let target = "/tempZone/home/rods/data"

    private func names(_ engine: EmbeddedEngine, _ collection: String) async throws -> [String] {
        try await engine.catalog.list(collection: collection).map { LogicalPath.name(of: $0.path) }
    }

    @Test(arguments: [
        ("regular", ["dir", "link"], 2),
        ("directory", ["file.txt", "link"], 1),
        ("link", ["dir", "file.txt"], 1),
    ])
    func excludeFileTypeLeavesThatTypeOut(_ type: String, _ remaining: [String], _ excluded: Int64) async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "file.txt", "f")
        try TreeBuilder.write(source.path, "dir/inner.txt", "i")
        try FileManager.default.createSymbolicLink(atPath: source.subpath("link"), withDestinationPath: "file.txt")
        let status = try await engine.sync(SyncSpec(source: source.path, target: target, exclusions: ExclusionRules(fileTypes: [type])))
        #expect(status.succeeded)
        #expect(try await names(engine, target) == remaining)
        #expect(status.counter(Counter.skippedPrefix + "excluded") == excluded)
    }

    @Test func excludeFileTypeCoversPipesAndDevices() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "file.txt", "f")
        #expect(mkfifo(source.subpath("fifo"), 0o644) == 0)
        let status = try await engine.sync(SyncSpec(source: source.path, target: target, exclusions: ExclusionRules(fileTypes: ["pipe"])))
        #expect(status.counter(Counter.skippedPrefix + "excluded") == 1)
        #expect(status.counter(Counter.skippedPrefix + "pipe") == 0)
    }

    @Test func seedExampleNamePatternsExcludeWhatTheirUsersExpect() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        for name in ["run1_exclude", "excluded.txt", ".hidden", "notes.hidden", "hidden.txt", "keep.txt"] {
            try TreeBuilder.write(source.path, name, name)
        }
        let rules = ExclusionRules(fileNamePatterns: [#"(\S+)exclude"#, #"(\S+)\.hidden"#])
        let status = try await engine.sync(SyncSpec(source: source.path, target: target, exclusions: rules))
        #expect(try await names(engine, target) == ["hidden.txt", "keep.txt"])
        #expect(status.counter(Counter.entriesSkipped) == 4)
    }

    @Test func fileNamePatternMatchesFromTheStartOfTheFullPath() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "5", "five")
        try TreeBuilder.write(source.path, "55", "fifty-five")
        try TreeBuilder.write(source.path, "a5", "a5")
        // iRODS automated ingest's own test excludes one file by giving its full path as the pattern.
        let rules = ExclusionRules(fileNamePatterns: [source.subpath("5") + "$", "5"])
        try await engine.sync(SyncSpec(source: source.path, target: target, exclusions: rules))
        #expect(try await names(engine, target) == ["55", "a5"], "a bare '5' matches no full path: patterns are anchored at the start")
    }

    @Test func excludedDirectoryIsNotDescended() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "keep/a.txt", "a")
        try TreeBuilder.grid(source.subpath("cache_exclude"), directories: 3, filesPerDirectory: 3)
        let rules = ExclusionRules(directoryNamePatterns: [#"(\S+)exclude"#])
        let status = try await engine.sync(SyncSpec(source: source.path, target: target, exclusions: rules))
        #expect(try await names(engine, target) == ["keep"])
        // root + keep path tasks and one file task: nothing below the excluded directory was listed
        #expect(status.tasksTotal == 1 + 2 + 1)
        // the root, its two entries and keep/a.txt
        #expect(status.counter(Counter.entriesSeen) == 4)
    }

    @Test func invalidPatternIsRefusedBeforeAnythingIsQueued() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        do {
            _ = try await SyncJob.prepare(
                SyncSpec(source: source.path, target: target, exclusions: ExclusionRules(fileNamePatterns: ["(unclosed"])), jobName: "x",
                catalog: engine.catalog)
            Issue.record("a bad pattern was accepted")
        } catch let error as IngestError {
            #expect(error.description.contains("--exclude_file_name"))
            #expect(error.description.contains("(unclosed"))
        }
        await #expect(throws: IngestError.self) {
            try await SyncJob.prepare(
                SyncSpec(source: source.path, target: target, exclusions: ExclusionRules(fileTypes: ["fifo"])), jobName: "x",
                catalog: engine.catalog)
        }
        #expect(try await engine.broker.jobs().isEmpty)
    }

    @Test func linksAreRecordedWithTheirTargetAndNotFollowed() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        try TreeBuilder.write(outside.path, "big.bin", String(repeating: "x", count: 5000))
        try TreeBuilder.write(outside.path, "dir/inside.txt", "i")
        try FileManager.default.createSymbolicLink(atPath: source.subpath("to-file"), withDestinationPath: outside.subpath("big.bin"))
        try FileManager.default.createSymbolicLink(atPath: source.subpath("to-dir"), withDestinationPath: outside.subpath("dir"))
        let status = try await engine.sync(SyncSpec(source: source.path, target: target))
        #expect(status.succeeded)
        let link = try #require(try await engine.catalog.dataObject(at: "\(target)/to-file"))
        #expect(link.metadata.contains(MetadataTriple(attribute: "link_target", value: outside.subpath("big.bin"))))
        #expect(link.size == Int64(outside.subpath("big.bin").utf8.count), "the object stands for the link, not its target")
        #expect(try await engine.catalog.kind(of: "\(target)/to-dir") == .dataObject)
        #expect(try await engine.catalog.kind(of: "\(target)/to-dir/inside.txt") == nil)
    }

    @Test func followSymlinksDescendsAndStopsAtACycle() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let outside = try TemporaryDirectory()
        try TreeBuilder.write(outside.path, "big.bin", String(repeating: "x", count: 5000))
        try TreeBuilder.write(outside.path, "dir/inside.txt", "i")
        try TreeBuilder.write(source.path, "sub/file.txt", "f")
        try FileManager.default.createSymbolicLink(atPath: source.subpath("to-file"), withDestinationPath: outside.subpath("big.bin"))
        try FileManager.default.createSymbolicLink(atPath: source.subpath("to-dir"), withDestinationPath: outside.subpath("dir"))
        try FileManager.default.createSymbolicLink(atPath: source.subpath("sub/loop"), withDestinationPath: source.path)
        try FileManager.default.createSymbolicLink(atPath: source.subpath("dangling"), withDestinationPath: source.subpath("nowhere"))

        let status = try await engine.sync(SyncSpec(source: source.path, target: target, followSymlinks: true))
        #expect(status.state == .completed)
        #expect(try await engine.catalog.dataObject(at: "\(target)/to-file")?.size == 5000)
        #expect(try await engine.catalog.kind(of: "\(target)/to-dir/inside.txt") == .dataObject)
        #expect(try await engine.catalog.kind(of: "\(target)/sub/loop") == nil)
        #expect(status.counter(Counter.skippedPrefix + "link_cycle") == 1)
        #expect(status.counter(Counter.skippedPrefix + "dangling_link") == 1)
    }

    @Test func socketsPipesAndDevicesAreSkippedWithTheirReason() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "real.txt", "r")
        #expect(mkfifo(source.subpath("pipe"), 0o644) == 0)
        _ = try runTool("/usr/bin/env", ["python3", "-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", source.subpath("sock")])
        var expectedSkips = 2
        if getuid() == 0 {
            // Only root may create device nodes; CI runs as root.
            #expect(mknod(source.subpath("null-device"), S_IFCHR | 0o644, (1 << 8) | 3) == 0)  // major 1, minor 3: like /dev/null
            expectedSkips += 1
        }
        let status = try await engine.sync(SyncSpec(source: source.path, target: target))
        #expect(status.succeeded)
        #expect(status.counter(Counter.entriesSkipped) == Int64(expectedSkips))
        #expect(status.counter(Counter.skippedPrefix + "pipe") == 1)
        #expect(status.counter(Counter.skippedPrefix + "socket") == 1)
        #expect(try await names(engine, target) == ["real.txt"])
    }

    @Test func oddButValidNamesRoundTripUnchanged() async throws {
        let engine = try EmbeddedEngine()
        let source = try TemporaryDirectory()
        let names = ["with space.txt", "quote'single", "quote\"double", "back`tick", "new\nline", "日本語のファイル", "Ελληνικά", "100%", "percent%.txt", "50%off", "emoji 🎉"]
        for name in names { try TreeBuilder.write(source.path, "dir with space/" + name, name) }
        let status = try await engine.sync(SyncSpec(source: source.path, target: target))
        #expect(status.succeeded)
        #expect(try await self.names(engine, "\(target)/dir with space").sorted() == names.sorted())
        for name in names {
            let object = try #require(try await engine.catalog.dataObject(at: "\(target)/dir with space/\(name)"))
            #expect(object.replicas.first?.physicalPath == source.subpath("dir with space/" + name))
            #expect(object.metadata.isEmpty, "valid names carry no escape metadata")
        }
    }

    @Test func nonUTF8NamesGetAStableReversibleNameAndCopiesReadTheRealFile() async throws {
        let engine = try EmbeddedEngine()
        let vault = try engine.vault("archive")
        let source = try TemporaryDirectory()
        let badDirectory: [UInt8] = Array("caf".utf8) + [0xE9]
        let badFile: [UInt8] = Array("r".utf8) + [0xE9, 0x25] + Array("sum\u{e9}.txt".utf8)
        let directoryPath = Array(source.path.utf8) + [0x2F] + badDirectory
        #expect(mkdirBytes(directoryPath) == 0)
        #expect(writeBytes(directoryPath + [0x2F] + badFile, Array("latin-1 bytes inside".utf8)))

        let status = try await engine.sync(SyncSpec(source: source.path, target: target, operation: .put, resource: "archive"), resources: [vault])
        #expect(status.succeeded, "\(status.counters)")
        #expect(try await names(engine, target) == ["caf%E9"])
        let escapedName = "r%E9%25sumé.txt"
        let object = try #require(try await engine.catalog.dataObject(at: "\(target)/caf%E9/\(escapedName)"))
        let original = try #require(object.metadata.first { $0.attribute == "ingest::original_name" })
        #expect(Data(base64Encoded: original.value) == Data(badFile))
        #expect(NameEscaping.unescape(escapedName) == badFile)
        let copy = try Data(contentsOf: URL(fileURLWithPath: vault.path! + "/tempZone/home/rods/data/caf%E9/" + escapedName))
        #expect(copy == Data("latin-1 bytes inside".utf8))
        let collection = try #require(try await engine.catalog.collection(at: "\(target)/caf%E9"))
        #expect(collection.metadata.first { $0.attribute == "ingest::original_name" }?.value == Data(badDirectory).base64EncodedString())

        let again = try await engine.sync(SyncSpec(source: source.path, target: target, operation: .put, resource: "archive"), job: "again", resources: [vault])
        #expect(again.counter(Counter.entriesUnchanged) == 3, "the escaped names are stable from one sync to the next")
    }

    @Test func escapingIsReversibleForEveryByte() {
        for byte in UInt8.min...UInt8.max {
            let raw: [UInt8] = [0x61, byte, 0xFF, 0x25, 0x62]
            let (text, escaped) = NameEscaping.text(for: raw)
            #expect(escaped)
            #expect(NameEscaping.unescape(text) == raw, "byte \(byte)")
        }
        #expect(NameEscaping.text(for: Array("100%.txt".utf8)) == ("100%.txt", false))
    }
}

func mkdirBytes(_ path: [UInt8]) -> Int32 {
    (path + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { mkdir($0.baseAddress!, 0o755) } }
}

func writeBytes(_ path: [UInt8], _ contents: [UInt8]) -> Bool {
    let descriptor = (path + [0]).withUnsafeBufferPointer {
        $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_TRUNC, 0o644) }
    }
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == contents.count
}
