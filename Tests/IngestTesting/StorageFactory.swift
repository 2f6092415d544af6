import Foundation
import IngestCore
import IngestSync

/// A `Source` under test with a way to put entries into it: the source suites run unchanged against
/// every implementation.
public struct SourceSubject: Sendable {
    public let source: any Source
    /// Creates a file at `path` (a path relative to the source's root; parents are made) holding `bytes`.
    public let write: @Sendable (_ path: String, _ bytes: [UInt8]) async throws -> Void
    /// Removes the file at `path`.
    public let remove: @Sendable (_ path: String) async throws -> Void
}

/// Every `Source` implementation, for `@Test(arguments: SourceFactory.allCases)`.
public enum SourceFactory: String, CaseIterable, Sendable, CustomStringConvertible {
    case posix

    public var description: String { rawValue }

    public func withSource(_ body: (SourceSubject) async throws -> Void) async throws {
        switch self {
        case .posix:
            let directory = try TemporaryDirectory()
            let root = directory.path
            let subject = SourceSubject(
                source: POSIXSource(root: root),
                write: { path, bytes in
                    let full = root + "/" + path
                    try FileManager.default.createDirectory(
                        atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    try Data(bytes).write(to: URL(fileURLWithPath: full))
                },
                remove: { path in try FileManager.default.removeItem(atPath: root + "/" + path) })
            try await body(subject)
            _ = directory.path
        }
    }
}

/// Every `Storage` implementation, for `@Test(arguments: StorageFactory.allCases)`.
public enum StorageFactory: String, CaseIterable, Sendable, CustomStringConvertible {
    case vault

    public var description: String { rawValue }

    public func withStorage(_ body: (any Storage) async throws -> Void) async throws {
        switch self {
        case .vault:
            let directory = try TemporaryDirectory()
            try await body(VaultStorage(root: directory.path + "/vault"))
            _ = directory.path
        }
    }
}
