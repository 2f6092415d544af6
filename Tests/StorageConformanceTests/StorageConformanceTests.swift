import Foundation
import IngestCore
import IngestTesting
import Testing

/// Behaviour every `Storage` must have, run unchanged against each implementation.
@Suite struct StorageConformanceTests {
    struct Interrupted: Error {}

    /// A body that yields `bytes`, then fails: a write cut off half-way.
    static func failingBody(after bytes: [UInt8]) -> ByteChunks {
        ByteChunks { continuation in
            continuation.yield(bytes)
            continuation.finish(throwing: Interrupted())
        }
    }

    static func sha2(_ bytes: [UInt8]) -> String {
        var hasher = StreamingChecksum(.sha256)
        hasher.update(bytes)
        return hasher.finalize()
    }

    @Test(arguments: StorageFactory.allCases)
    func putStoresTheBytesWithTheirChecksum(_ factory: StorageFactory) async throws {
        try await factory.withStorage { storage async throws in
            let bytes = (0..<(2 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 &* 7) }

            let stored = try await storage.put(
                "zone/home/a.bin", body: .of(bytes, chunkSize: 300_000), size: Int64(bytes.count), options: StorageWriteOptions(checksum: .sha256))

            #expect(stored.size == Int64(bytes.count))
            #expect(stored.checksum == Self.sha2(bytes))
            #expect(try await storage.stat("zone/home/a.bin")?.size == Int64(bytes.count))
            #expect(try await storage.read("zone/home/a.bin").collected() == bytes)
            #expect(storage.physicalPath(of: "zone/home/a.bin") == storage.location + "/zone/home/a.bin")
        }
    }

    @Test(arguments: StorageFactory.allCases)
    func putReplacesWhatWasUnderTheKey(_ factory: StorageFactory) async throws {
        try await factory.withStorage { storage async throws in
            _ = try await storage.put("k.txt", body: .of(Array("first version".utf8)), size: nil, options: StorageWriteOptions())

            _ = try await storage.put("k.txt", body: .of(Array("second".utf8)), size: 6, options: StorageWriteOptions())

            #expect(try await storage.read("k.txt").collected() == Array("second".utf8))
            #expect(try await storage.stat("k.txt")?.size == 6)
        }
    }

    @Test(arguments: StorageFactory.allCases)
    func aPutCutOffLeavesTheKeyAsItWas(_ factory: StorageFactory) async throws {
        try await factory.withStorage { storage async throws in
            _ = try await storage.put("kept.txt", body: .of(Array("old".utf8)), size: 3, options: StorageWriteOptions())

            await #expect(throws: Interrupted.self) {
                try await storage.put("kept.txt", body: Self.failingBody(after: Array("new bytes".utf8)), size: nil, options: StorageWriteOptions())
            }
            await #expect(throws: Interrupted.self) {
                try await storage.put("new.txt", body: Self.failingBody(after: [1, 2, 3]), size: nil, options: StorageWriteOptions())
            }

            #expect(try await storage.read("kept.txt").collected() == Array("old".utf8))
            #expect(try await storage.stat("new.txt") == nil)
        }
    }

    @Test(arguments: StorageFactory.allCases)
    func aBodyShorterThanItsSizeIsRefused(_ factory: StorageFactory) async throws {
        try await factory.withStorage { storage async throws in
            await #expect(throws: (any Error).self) {
                try await storage.put("short.bin", body: .of([1, 2, 3]), size: 10, options: StorageWriteOptions())
            }

            #expect(try await storage.stat("short.bin") == nil)
        }
    }

    @Test(arguments: StorageFactory.allCases)
    func appendAddsTheTailAndChecksumsTheWholeObject(_ factory: StorageFactory) async throws {
        try await factory.withStorage { storage async throws in
            _ = try await storage.put("log.txt", body: .of(Array("hello ".utf8)), size: 6, options: StorageWriteOptions())

            let stored = try await storage.append(
                "log.txt", tail: .of(Array("world".utf8)), existingSize: 6, options: StorageWriteOptions(checksum: .sha256))

            #expect(stored.size == 11)
            #expect(stored.checksum == Self.sha2(Array("hello world".utf8)))
            #expect(try await storage.read("log.txt").collected() == Array("hello world".utf8))
        }
    }

    @Test(arguments: StorageFactory.allCases)
    func removeDeletesAndToleratesNothingThere(_ factory: StorageFactory) async throws {
        try await factory.withStorage { storage async throws in
            _ = try await storage.put("a/b.txt", body: .of([1]), size: 1, options: StorageWriteOptions())

            try await storage.remove("a/b.txt")
            try await storage.remove("a/never.txt")

            #expect(try await storage.stat("a/b.txt") == nil)
        }
    }

    @Test(arguments: StorageFactory.allCases)
    func trashMovesTheBytesUnderTheTrashKey(_ factory: StorageFactory) async throws {
        try await factory.withStorage { storage async throws in
            _ = try await storage.put("zone/data/x.txt", body: .of(Array("keep me".utf8)), size: 7, options: StorageWriteOptions())

            try await storage.trash("zone/data/x.txt", to: "zone/trash/data/x.txt")

            #expect(try await storage.stat("zone/data/x.txt") == nil)
            #expect(try await storage.read("zone/trash/data/x.txt").collected() == Array("keep me".utf8))
        }
    }

    @Test(arguments: StorageFactory.allCases)
    func anEmptyObjectIsStored(_ factory: StorageFactory) async throws {
        try await factory.withStorage { storage async throws in
            let stored = try await storage.put("empty", body: .of([]), size: 0, options: StorageWriteOptions(checksum: .md5))

            #expect(stored.size == 0)
            #expect(stored.checksum == "d41d8cd98f00b204e9800998ecf8427e")
            #expect(try await storage.stat("empty")?.size == 0)
            #expect(try await storage.read("empty").collected() == [])
        }
    }
}
