import Foundation

/// An exclusive `flock` on a directory, held while a process sets up a database file in it.
///
/// Processes started together on a new directory (workers and `start`) would otherwise all find
/// the schema missing and all create it ("table ... already exists"). The lock is on the
/// directory itself, so it creates no file, and `flock` locks are apart from the POSIX locks
/// SQLite keeps on the database file (closing this descriptor cannot release those).
public enum DirectoryLock {
    /// Runs `body` holding the lock on `directory`; other processes and threads wait for it.
    /// Where the directory cannot be opened or locked (a file system without `flock`), `body`
    /// runs unlocked, as it did before there was a lock.
    public static func withExclusiveLock<T>(on directory: String, _ body: () throws -> T) rethrows -> T {
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return try body() }
        defer { close(descriptor) }
        var locked: Int32
        repeat { locked = flock(descriptor, LOCK_EX) } while locked != 0 && errno == EINTR
        defer { if locked == 0 { flock(descriptor, LOCK_UN) } }
        return try body()
    }
}
