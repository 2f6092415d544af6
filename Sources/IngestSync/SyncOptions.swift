import Foundation
import IngestCore

/// What a sync does with a new or changed file (iRODS automated ingest's `--operation`, `Operation.*` in event handlers).
public enum SyncOperation: String, Codable, Sendable, CaseIterable {
    /// Register the file where it is; a changed file gets its catalog size and mtime updated.
    case registerSync = "REGISTER_SYNC"
    /// Register the file as the first or an additional replica on the named resource; on change that
    /// replica is updated and the object's other replicas are marked stale.
    case registerAsReplicaSync = "REGISTER_AS_REPLICA_SYNC"
    /// Copy a new file into the resource; leave changed files alone.
    case put = "PUT"
    /// Copy new files; copy changed files again, whole.
    case putSync = "PUT_SYNC"
    /// Copy new files; of a changed file copy only the bytes past the stored copy's size, or all of it
    /// if the file shrank or its already-copied part changed.
    case putAppend = "PUT_APPEND"
    /// Do nothing with files (directories still become collections).
    case noOp = "NO_OP"

    /// Accepts iRODS automated ingest's spellings: `PUT_SYNC`, `put_sync`, `Operation.PUT_SYNC`.
    public init?(userValue: String) {
        self.init(rawValue: upstreamSpelling(userValue, enumName: "OPERATION"))
    }

    public var copiesData: Bool { self == .put || self == .putSync || self == .putAppend }
    public var registersInPlace: Bool { self == .registerSync || self == .registerAsReplicaSync }
}

/// An enum value as iRODS automated ingest's users type it (`put_sync`, `Operation.PUT_SYNC`), reduced to the raw value (`PUT_SYNC`).
private func upstreamSpelling(_ value: String, enumName: String) -> String {
    let upper = value.uppercased()
    return upper.hasPrefix(enumName + ".") ? String(upper.dropFirst(enumName.count + 1)) : upper
}

/// What happens to catalog entries whose source entry is gone (iRODS automated ingest's `--delete_mode`).
public enum DeleteMode: String, Codable, Sendable, CaseIterable {
    case doNotDelete = "DO_NOT_DELETE"
    /// Remove the entries from the catalog (register operations).
    case unregister = "UNREGISTER"
    /// Move the entries under `/<zone>/trash/...` and their stored copies into the vault's trash (copy operations).
    case trash = "TRASH"
    /// Remove the entries and their stored copies (copy operations).
    case noTrash = "NO_TRASH"

    public init?(userValue: String) {
        self.init(rawValue: upstreamSpelling(userValue, enumName: "DELETEMODE"))
    }

    /// iRODS automated ingest's rules: UNREGISTER only with the register operations, TRASH and NO_TRASH only with
    /// PUT_SYNC and PUT_APPEND.
    public func isAllowed(with operation: SyncOperation) -> Bool {
        switch self {
        case .doNotDelete: true
        case .unregister: operation.registersInPlace
        case .trash, .noTrash: operation == .putSync || operation == .putAppend
        }
    }
}

/// Which entries a sync leaves out. Name patterns are regular expressions matched, like Python's
/// `re.match`, at the start of the entry's full absolute source path (not necessarily to its end):
/// iRODS automated ingest's `(\S+)exclude` excludes `/data/run1_exclude` and `/data/excluded.txt`, and
/// `(\S+)\.hidden` excludes `/data/.hidden` and `/data/notes.hidden`.
public struct ExclusionRules: Codable, Sendable, Equatable {
    /// `regular`, `directory`, `character`, `block`, `socket`, `pipe`, `link`.
    public var fileTypes: [String]
    /// Applied to every entry that is not a directory.
    public var fileNamePatterns: [String]
    /// Applied to directories; an excluded directory is not descended into.
    public var directoryNamePatterns: [String]

    public init(fileTypes: [String] = [], fileNamePatterns: [String] = [], directoryNamePatterns: [String] = []) {
        self.fileTypes = fileTypes
        self.fileNamePatterns = fileNamePatterns
        self.directoryNamePatterns = directoryNamePatterns
    }

    public static let fileTypeNames = ["regular", "directory", "character", "block", "socket", "pipe", "link"]
}
