import Foundation
import IngestCore
import IngestTesting
import Testing

/// Behaviour every `Source` must have, run unchanged against each implementation.
@Suite struct SourceConformanceTests {
    static let oddName = "c d+e%f é&=?.txt"

    @Test(arguments: SourceFactory.allCases)
    func listsFilesAndEachDirectoryOnceInNameOrder(_ factory: SourceFactory) async throws {
        try await factory.withSource { subject async throws in
            try await subject.write("b.txt", Array("abc".utf8))
            try await subject.write("a/x.txt", [1])
            try await subject.write("a/y/z.txt", [2, 3])
            try await subject.write(Self.oddName, [4])

            let page = try await subject.source.list("", cursor: nil, limit: 1000)

            #expect(page.entries.map(\.name) == ["a", "b.txt", Self.oddName])
            #expect(page.entries.map(\.kind) == [.directory, .file, .file])
            #expect(page.entries[1].size == 3)
            #expect(page.cursor == nil)
        }
    }

    @Test(arguments: SourceFactory.allCases)
    func pagesCoverEveryEntryOnce(_ factory: SourceFactory) async throws {
        try await factory.withSource { subject async throws in
            let files = (0..<23).map { String(format: "f%02d", $0) }
            for name in files { try await subject.write(name, [UInt8(name.count)]) }
            for directory in ["d1", "d2", "f05.d"] { try await subject.write(directory + "/inner", [0]) }

            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await subject.source.list("", cursor: cursor, limit: 10)
                #expect(page.entries.count <= 10)
                seen += page.entries.map(\.name)
                cursor = page.cursor
                pages += 1
            } while cursor != nil && pages < 20

            #expect(pages >= 3)
            #expect(seen.count == Set(seen).count)
            #expect(Set(seen) == Set(files + ["d1", "d2", "f05.d"]))
        }
    }

    @Test(arguments: SourceFactory.allCases)
    func listsASubdirectory(_ factory: SourceFactory) async throws {
        try await factory.withSource { subject async throws in
            try await subject.write("a/x.txt", [1, 2])
            try await subject.write("a/y/z.txt", [3])
            try await subject.write("ab.txt", [4])

            let page = try await subject.source.list("a", cursor: nil, limit: 100)

            #expect(page.entries.map(\.name) == ["x.txt", "y"])
            #expect(page.entries.map(\.kind) == [.file, .directory])
            #expect(page.entries.first?.size == 2)
        }
    }

    @Test(arguments: SourceFactory.allCases)
    func statDescribesAFileAndFindsNothingWhereNothingIs(_ factory: SourceFactory) async throws {
        try await factory.withSource { subject async throws in
            try await subject.write("dir/file.bin", Array(repeating: 7, count: 1234))

            let entry = try #require(try await subject.source.stat("dir/file.bin"))

            #expect(entry.kind == .file)
            #expect(entry.size == 1234)
            #expect(abs(Double(entry.mtimeNanos) / 1e9 - Date().timeIntervalSince1970) < 300)
            #expect(try await subject.source.stat("dir/missing.bin") == nil)
        }
    }

    @Test(arguments: SourceFactory.allCases)
    func readsAFileOfSeveralChunksExactly(_ factory: SourceFactory) async throws {
        try await factory.withSource { subject async throws in
            let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
            try await subject.write("big.bin", bytes)

            var chunks = 0
            var read: [UInt8] = []
            for try await chunk in try await subject.source.read("big.bin") {
                chunks += 1
                read += chunk
            }

            #expect(read == bytes)
            #expect(chunks > 1)
        }
    }

    @Test(arguments: SourceFactory.allCases)
    func oddNamesRoundTripThroughStatAndRead(_ factory: SourceFactory) async throws {
        try await factory.withSource { subject async throws in
            try await subject.write("sub dir/" + Self.oddName, Array("odd".utf8))

            let listed = try await subject.source.list("sub dir", cursor: nil, limit: 10)

            #expect(listed.entries.map(\.name) == [Self.oddName])
            #expect(try await subject.source.stat("sub dir/" + Self.oddName)?.size == 3)
            #expect(try await subject.source.read("sub dir/" + Self.oddName).collected() == Array("odd".utf8))
        }
    }

    @Test(arguments: SourceFactory.allCases)
    func readingAFileThatIsGoneFails(_ factory: SourceFactory) async throws {
        try await factory.withSource { subject async throws in
            try await subject.write("gone.txt", [1])
            try await subject.remove("gone.txt")

            await #expect(throws: (any Error).self) { try await subject.source.read("gone.txt").collected() }
        }
    }

    @Test(arguments: SourceFactory.allCases)
    func physicalPathsStartAtTheSourcesLocation(_ factory: SourceFactory) async throws {
        try await factory.withSource { subject async throws in
            let path = subject.source.physicalPath(of: "a/b.txt")

            #expect(path == subject.source.location + "/a/b.txt")
            #expect(subject.source.physicalPath(of: "") == subject.source.location)
        }
    }
}
