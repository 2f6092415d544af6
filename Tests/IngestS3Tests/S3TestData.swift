import Crypto
import Foundation
import NIOCore

/// Deterministic test content, generated chunk by chunk so that big objects never sit in memory.
struct PatternSource {
    static let chunkSize = 1 << 20
    let size: Int

    /// Chunk `index`: a fixed pattern with the index stamped in, so that no two parts are alike.
    static func chunk(_ index: Int, length: Int = chunkSize) -> ByteBuffer {
        var buffer = ByteBuffer(bytes: base.prefix(length))
        buffer.setInteger(UInt64(index), at: 0)
        return buffer
    }

    private static let base: [UInt8] = (0..<chunkSize).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 8)) }

    /// The chunks in order, made as they are asked for.
    var chunks: Chunks { Chunks(size: size) }

    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let size: Int

        struct AsyncIterator: AsyncIteratorProtocol {
            let size: Int
            var offset = 0
            var index = 0

            mutating func next() async -> ByteBuffer? {
                guard offset < size else { return nil }
                let length = Swift.min(PatternSource.chunkSize, size - offset)
                defer {
                    offset += length
                    index += 1
                }
                return PatternSource.chunk(index, length: length)
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(size: size) }
    }

    /// Hex SHA-256 of the whole content.
    var sha256Hex: String {
        var hasher = SHA256()
        var offset = 0
        var index = 0
        while offset < size {
            let length = min(Self.chunkSize, size - offset)
            Self.chunk(index, length: length).withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            offset += length
            index += 1
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The ETag S3 gives a multipart object: MD5 of the parts' MD5s, then `-N`.
    func multipartETag(partSize: Int) -> String {
        var partDigests: [UInt8] = []
        var part = Insecure.MD5()
        var inPart = 0
        var parts = 0
        var offset = 0
        var index = 0
        while offset < size {
            var chunk = Self.chunk(index, length: min(Self.chunkSize, size - offset))
            offset += chunk.readableBytes
            index += 1
            while chunk.readableBytes > 0 {
                let take = min(chunk.readableBytes, partSize - inPart)
                let slice = chunk.readSlice(length: take)!
                slice.withUnsafeReadableBytes { part.update(bufferPointer: $0) }
                inPart += take
                if inPart == partSize {
                    partDigests += Array(part.finalize())
                    part = Insecure.MD5()
                    inPart = 0
                    parts += 1
                }
            }
        }
        if inPart > 0 {
            partDigests += Array(part.finalize())
            parts += 1
        }
        return Insecure.MD5.hash(data: partDigests).map { String(format: "%02x", $0) }.joined() + "-\(parts)"
    }
}

/// Runs `body` for each element with at most `width` at once.
func concurrentForEach<T: Sendable>(_ items: [T], width: Int, _ body: @escaping @Sendable (T) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var iterator = items.makeIterator()
        for _ in 0..<width {
            guard let item = iterator.next() else { break }
            group.addTask { try await body(item) }
        }
        while try await group.next() != nil {
            if let item = iterator.next() { group.addTask { try await body(item) } }
        }
    }
}

func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    digest.map { String(format: "%02x", $0) }.joined()
}
