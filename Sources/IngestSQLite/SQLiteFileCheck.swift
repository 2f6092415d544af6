import Foundation

/// How a command may open an embedded SQLite file.
public enum SQLiteAccess: Sendable, Equatable {
    /// Open the file, creating it when missing; with `directories`, its missing directories too
    /// (for the default `INGEST_HOME` only: a typo in an explicit URL should not grow a tree).
    case create(directories: Bool)
    /// Open an existing file only, and create nothing: for commands that only read.
    case existingOnly
}

/// Checks a path before SQLite opens it, so that each way it cannot work gets its own message
/// instead of SQLite's "disk I/O error" or "unable to open database file".
enum SQLiteFileCheck {
    /// Throws `SQLiteFileError` when the path cannot hold the file; creates missing directories
    /// when `mode` allows it.
    static func prepare(_ path: String, role: SQLiteFileRole, access mode: SQLiteAccess) throws {
        func failure(_ problem: SQLiteFileError.Problem) -> SQLiteFileError {
            SQLiteFileError(path: path, role: role, problem: problem)
        }
        let directory = directoryOf(path)
        var info = stat()
        if stat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw failure(.isDirectory)
            case S_IFCHR: throw failure(.notRegularFile(kind: "character device"))
            case S_IFBLK: throw failure(.notRegularFile(kind: "block device"))
            case S_IFIFO: throw failure(.notRegularFile(kind: "FIFO"))
            case S_IFSOCK: throw failure(.notRegularFile(kind: "socket"))
            default: throw failure(.notRegularFile(kind: "special file"))
            }
            // Even a reader writes: WAL readers share the -shm file, and a migration may be due.
            if access(path, R_OK | W_OK) != 0 {
                throw failure(.fileNotAccessible(reason: String(cString: strerror(errno))))
            }
            if access(directory, W_OK | X_OK) != 0 {
                let reason = String(cString: strerror(errno))
                if !FileManager.default.fileExists(atPath: path + "-wal") || !FileManager.default.fileExists(atPath: path + "-shm") {
                    throw failure(.directoryNotWritable(directory, reason: reason))
                }
            }
            return
        }
        switch errno {
        case ENOENT: break
        case ENAMETOOLONG: throw failure(.nameTooLong)
        case ENOTDIR: throw failure(.componentNotDirectory)
        case let code: throw failure(.fileNotAccessible(reason: String(cString: strerror(code))))
        }
        guard case .create(let createDirectories) = mode else { throw failure(.noFileYet) }
        if stat(directory, &info) != 0 {
            let code = errno
            guard code == ENOENT else { throw failure(problem(for: code, directory: directory)) }
            guard createDirectories else { throw failure(.directoryMissing(directory)) }
            try makeDirectories(directory, path: path, role: role)
        } else if info.st_mode & S_IFMT != S_IFDIR {
            throw failure(.componentNotDirectory)
        }
        if access(directory, W_OK | X_OK) != 0 {
            throw failure(.directoryNotWritable(directory, reason: String(cString: strerror(errno))))
        }
    }

    /// The directory a file is created in; `.` for a bare name.
    static func directoryOf(_ path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// `mkdir -p`, with each failure named: the directory that could not be made and why.
    private static func makeDirectories(_ directory: String, path: String, role: SQLiteFileRole) throws {
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o777) == 0 || errno == EEXIST { continue }
            let code = errno
            let problem: SQLiteFileError.Problem = switch code {
            case EACCES, EROFS, EPERM: .directoryNotWritable(directoryOf(prefix), reason: String(cString: strerror(code)))
            case ENAMETOOLONG: .nameTooLong
            case ENOTDIR: .componentNotDirectory
            default: .cannotCreateDirectory(prefix, reason: String(cString: strerror(code)))
            }
            throw SQLiteFileError(path: path, role: role, problem: problem)
        }
    }

    private static func problem(for code: Int32, directory: String) -> SQLiteFileError.Problem {
        switch code {
        case ENAMETOOLONG: .nameTooLong
        case ENOTDIR: .componentNotDirectory
        default: .directoryNotWritable(directory, reason: String(cString: strerror(code)))
        }
    }
}
