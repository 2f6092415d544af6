#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import IngestCore
import IngestSync
import IngestTesting
import Testing

@Suite struct DirectoryReaderTests {
    /// Every entry the reader returns, in readdir order.
    private func readAll(_ path: String) throws -> [ListedEntry] {
        let reader = try DirectoryReader(path: path)
        var entries: [ListedEntry] = []
        while let entry = try reader.next() {
            entries.append(entry)
        }
        return entries
    }

    private func entry(named name: String, in entries: [ListedEntry]) throws -> ListedEntry {
        try #require(entries.first { $0.name == name }, "no entry named \(name) in \(entries.map(\.nameBytes))")
    }

    @Test func listsEveryEntryExceptDotAndDotDot() throws {
        let directory = try TemporaryDirectory()
        try TreeBuilder.write(directory.path, "a.txt", "a")
        try TreeBuilder.write(directory.path, ".hidden", "h")
        try TreeBuilder.write(directory.path, "sub/inner.txt", "i")

        let names = try readAll(directory.path).compactMap(\.name)

        #expect(names.sorted() == [".hidden", "a.txt", "sub"])
    }

    @Test func emptyDirectoryHasNoEntries() throws {
        let directory = try TemporaryDirectory()

        #expect(try readAll(directory.path).isEmpty)
    }

    @Test func regularFileCarriesSizeAndMtimeNanosFromLstat() throws {
        let directory = try TemporaryDirectory()
        let path = try TreeBuilder.write(
            directory.path, "data.bin", String(repeating: "x", count: 1_234), mtime: Date(timeIntervalSince1970: 1_700_000_000.25))
        let expected = TreeBuilder.stat(path)

        let file = try entry(named: "data.bin", in: try readAll(directory.path))

        #expect(file.type == .regular)
        #expect(file.size == 1_234)
        #expect(file.size == expected.size)
        #expect(file.mtimeNanos == expected.mtimeNanos)
        #expect(file.mtimeNanos / 1_000_000_000 == 1_700_000_000)
    }

    @Test func directoryIsTypedAsDirectory() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.subpath("sub"), withIntermediateDirectories: false)

        let sub = try entry(named: "sub", in: try readAll(directory.path))

        #expect(sub.type == .directory)
    }

    @Test func symlinkIsTypedAsLinkAndNotFollowed() throws {
        let directory = try TemporaryDirectory()
        let target = try TreeBuilder.write(directory.path, "target.txt", String(repeating: "t", count: 5_000))
        #expect(symlink(target, directory.subpath("link")) == 0)

        let link = try entry(named: "link", in: try readAll(directory.path))

        #expect(link.type == .link)
        #expect(link.size != 5_000)
    }

    @Test func danglingSymlinkIsListed() throws {
        let directory = try TemporaryDirectory()
        #expect(symlink(directory.subpath("nowhere"), directory.subpath("dangling")) == 0)

        let link = try entry(named: "dangling", in: try readAll(directory.path))

        #expect(link.type == .link)
    }

    @Test func fifoIsTypedAsPipe() throws {
        let directory = try TemporaryDirectory()
        #expect(mkfifo(directory.subpath("fifo"), 0o644) == 0)

        let fifo = try entry(named: "fifo", in: try readAll(directory.path))

        #expect(fifo.type == .pipe)
    }

    @Test func nameWithInvalidUTF8HasNilNameAndKeepsRawBytes() throws {
        let directory = try TemporaryDirectory()
        let rawName: [UInt8] = [0x66, 0xFF, 0x6F]
        let fullPath = Array(directory.path.utf8) + [UInt8(ascii: "/")] + rawName + [0]
        let descriptor = fullPath.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        }
        try #require(descriptor >= 0)
        #expect(write(descriptor, "abc", 3) == 3)
        close(descriptor)

        let entries = try readAll(directory.path)

        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.name == nil)
        #expect(entry.nameBytes == rawName)
        #expect(entry.type == .regular)
        #expect(entry.size == 3)
    }

    @Test func statOfAnEntryDoesNotFollowLinks() throws {
        let directory = try TemporaryDirectory()
        try TreeBuilder.write(directory.path, "target.txt", "t")
        #expect(symlink(directory.subpath("target.txt"), directory.subpath("link")) == 0)
        let reader = try DirectoryReader(path: directory.path)

        let info = try reader.stat(entry: Array("link".utf8))

        #expect(info.st_mode & S_IFMT == S_IFLNK)
    }

    @Test func statOfAMissingEntryThrowsNamingThePath() throws {
        let directory = try TemporaryDirectory()
        let reader = try DirectoryReader(path: directory.path)

        let error = #expect(throws: FileSystemError.self) {
            try reader.stat(entry: Array("gone.txt".utf8))
        }

        #expect(error?.path == directory.subpath("gone.txt"))
        #expect(error?.code == ENOENT)
    }

    @Test func openingAMissingDirectoryThrowsNamingThePath() throws {
        let directory = try TemporaryDirectory()
        let missing = directory.subpath("does-not-exist")

        let error = #expect(throws: FileSystemError.self) {
            _ = try DirectoryReader(path: missing)
        }

        #expect(error?.path == missing)
        #expect(error?.code == ENOENT)
        #expect(error?.description.contains(missing) == true)
    }

    @Test func openingARegularFileThrowsNotADirectory() throws {
        let directory = try TemporaryDirectory()
        let file = try TreeBuilder.write(directory.path, "plain.txt", "p")

        let error = #expect(throws: FileSystemError.self) {
            _ = try DirectoryReader(path: file)
        }

        #expect(error?.code == ENOTDIR)
    }
}
