import Foundation
import IngestCore

/// Queue names a sync job uses (seed `--restart_queue`, `--path_queue`, `--file_queue`).
public struct SyncQueues: Codable, Sendable, Equatable {
    public var restart: String
    public var path: String
    public var file: String

    public init(restart: String = "restart", path: String = "path", file: String = "file") {
        self.restart = restart
        self.path = path
        self.file = file
    }
}

/// The options a sync job was started with. Carried in every task so a worker needs nothing
/// else to run it; holds no secrets (invariant 8).
public struct SyncSpec: Codable, Sendable, Equatable {
    /// Absolute path of the source directory.
    public var source: String
    /// Canonical logical path of the destination collection.
    public var target: String
    public var filesPerTask: Int
    public var ignoreCache: Bool
    public var initialIngest: Bool
    public var queues: SyncQueues
    public var retry: RetryPolicy

    public init(
        source: String, target: String, filesPerTask: Int = 50, ignoreCache: Bool = false, initialIngest: Bool = false,
        queues: SyncQueues = SyncQueues(), retry: RetryPolicy = .default
    ) {
        self.source = source
        self.target = target
        self.filesPerTask = filesPerTask
        self.ignoreCache = ignoreCache
        self.initialIngest = initialIngest
        self.queues = queues
        self.retry = retry
    }

    public static let jobKind = "sync"
}

/// The task kinds of a sync job.
public enum SyncTaskKind {
    public static let restart = "restart"
    public static let path = "path"
    public static let file = "file"
}

/// A file found by a `path` task, handed to a `file` task with what the listing saw.
public struct FileEntry: Codable, Sendable, Equatable {
    public var name: String
    public var size: Int64
    public var mtimeNanos: Int64

    public init(name: String, size: Int64, mtimeNanos: Int64) {
        self.name = name
        self.size = size
        self.mtimeNanos = mtimeNanos
    }

    enum CodingKeys: String, CodingKey {
        case name = "n", size = "s", mtimeNanos = "m"
    }
}

/// Payload of `path` and `file` tasks.
struct DirectoryTaskPayload: Codable, Sendable {
    var spec: SyncSpec
    /// Absolute source directory.
    var directory: String
    /// The collection the directory maps to.
    var collection: String
    /// For `file` tasks: the entries to sync.
    var entries: [FileEntry]?
}

enum PayloadCoding {
    static func encode<T: Encodable>(_ value: T) -> Data {
        // Encoding plain structs of strings and integers cannot fail.
        (try? JSONEncoder().encode(value)) ?? Data()
    }

    static func decode<T: Decodable>(_ type: T.Type, from task: ClaimedTask) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: task.payload)
        } catch {
            throw PermanentTaskError(IngestError.corruptPayload(kind: task.kind, reason: "\(error)").description)
        }
    }
}
