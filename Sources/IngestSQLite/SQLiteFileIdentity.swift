import Foundation
import IngestCore
import Synchronization

/// The file a process opened (device and inode), checked again now and then: a state file removed
/// while workers have it open keeps working for them, on an inode nobody else sees, so new jobs
/// never reach them and their work is lost with the last descriptor.
final class SQLiteFileIdentity: Sendable {
    let path: String
    let role: SQLiteFileRole
    private let device: UInt64
    private let inode: UInt64
    /// When the path was last found to name the file; checks closer together than `interval` are skipped.
    private let state: Mutex<(checkedAt: ContinuousClock.Instant, gone: SQLiteFileGone?)>
    private static let interval: Duration = .seconds(1)

    /// The identity of the file at `path` now; nil when it cannot be read (nothing to compare with).
    init?(path: String, role: SQLiteFileRole) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.path = path
        self.role = role
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        state = Mutex((ContinuousClock.now, nil))
    }

    /// Throws `SQLiteFileGone` once the path no longer names the opened file; cheap enough to call
    /// before every write (it looks at the file at most once a second).
    func check() throws {
        let now = ContinuousClock.now
        let due = try state.withLock { state -> Bool in
            if let gone = state.gone { throw gone }
            guard now - state.checkedAt >= Self.interval else { return false }
            state.checkedAt = now
            return true
        }
        guard due else { return }
        var info = stat()
        let gone: SQLiteFileGone
        if stat(path, &info) == 0 {
            guard UInt64(info.st_dev) != device || UInt64(info.st_ino) != inode else { return }
            gone = SQLiteFileGone(path: path, role: role, replaced: true)
        } else if errno == ENOENT || errno == ENOTDIR {
            gone = SQLiteFileGone(path: path, role: role, replaced: false)
        } else {
            // Unreadable for now (permissions changed, I/O error): not proof the file is gone.
            return
        }
        state.withLock { $0.gone = gone }
        throw gone
    }
}

/// The state or catalog file was removed or replaced while this process had it open. A worker
/// stops on it (`StorageUnusable`): whatever it wrote from now on would be seen by nobody.
public struct SQLiteFileGone: StorageUnusable, Equatable {
    public var path: String
    public var role: SQLiteFileRole
    /// Another file now has the name (rather than none).
    public var replaced: Bool

    public var description: String {
        let what = replaced ? "was replaced by another file" : "was removed"
        switch role {
        case .brokerState:
            return "\(role.noun) '\(path)' \(what) while in use: this process kept a deleted copy that no new job reaches; "
                + "stopped. Restart the workers (`ingest worker`) so that they open the file now at that path"
        case .catalog:
            return "\(role.noun) '\(path)' \(what) while in use: this write would have gone to a deleted copy that nobody "
                + "reads, so it was refused. Restart the workers (`ingest worker`) so that they open the file now at that path, "
                + "then `ingest requeue` the job"
        }
    }
}
