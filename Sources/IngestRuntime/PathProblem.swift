import Foundation
import IngestCore

/// Why a file cannot be created at a path, in words a user can act on, found by looking rather
/// than by creating anything; for the errors Foundation reports only as `NSCocoaErrorDomain Code=512`.
public enum PathProblem {
    /// Longest name of one path component, and of a whole path, on Linux (`NAME_MAX`, `PATH_MAX - 1`).
    static let nameLimit = 255
    static let pathLimit = 4095

    /// What stands in the way of creating `path` (and the directories above it), or nil when nothing
    /// visible does.
    public static func reason(creating path: String) -> String? {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        if absolute.utf8.count > pathLimit {
            return "the path is \(absolute.utf8.count) bytes long, more than the \(pathLimit) a path may have"
        }
        if let long = absolute.split(separator: "/").first(where: { $0.utf8.count > nameLimit }) {
            return "its component '\(long.prefix(24))...' is \(long.utf8.count) bytes long, more than the \(nameLimit) a file name may have"
        }
        var ancestor = (absolute as NSString).deletingLastPathComponent
        var info = stat()
        while stat(ancestor, &info) != 0 {
            // Missing, or below a file (ENOTDIR): look further up for what is there.
            guard errno == ENOENT || errno == ENOTDIR, ancestor != "/" else {
                return "'\(ancestor)' cannot be reached: \(String(cString: strerror(errno)))"
            }
            ancestor = (ancestor as NSString).deletingLastPathComponent
        }
        if info.st_mode & S_IFMT != S_IFDIR {
            return "'\(ancestor)' is a file, not a directory, and is in the way"
        }
        if access(ancestor, W_OK | X_OK) != 0 {
            return "the directory '\(ancestor)' is not writable by this user"
        }
        return nil
    }

    /// Runs `body`, which creates or opens `path`; a Foundation error from it becomes an
    /// `IngestError.unusablePath` naming the path, the reason and `fix`. Errors of Ingest's own pass unchanged.
    public static func translatingErrors<T>(path: String, fix: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain {
            let underlying = (error.userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription
            let reason = reason(creating: path) ?? underlying ?? error.localizedDescription
            throw IngestError.unusablePath(path: path, reason: reason, fix: fix)
        }
    }
}
