import Foundation

/// What an embedded SQLite file holds, for messages: which option names it, and what to call it.
public enum SQLiteFileRole: Sendable, Equatable {
    /// Queues, jobs and counters (`--broker sqlite:PATH`).
    case brokerState
    /// Collections, data objects and replicas (`--catalog sqlite:PATH`).
    case catalog

    var option: String {
        switch self {
        case .brokerState: "--broker"
        case .catalog: "--catalog"
        }
    }

    var noun: String {
        switch self {
        case .brokerState: "state file"
        case .catalog: "catalog file"
        }
    }
}

/// A path that cannot hold an embedded SQLite file, found before SQLite is asked to open it (which
/// would say only "disk I/O error" or "unable to open database file"). Each message names the path
/// and the fix.
public struct SQLiteFileError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Sendable, Equatable {
        /// A read-only command on a file that does not exist: nothing has run with this URL.
        case noFileYet
        case isDirectory
        /// A device, FIFO or socket (`sqlite:/dev/null`).
        case notRegularFile(kind: String)
        /// The file's directory does not exist and is not created for an explicit URL.
        case directoryMissing(String)
        /// A component of the path is a file, not a directory.
        case componentNotDirectory
        /// The directory cannot be created, or written (SQLite creates `-wal` and `-shm` files beside the file).
        case directoryNotWritable(String, reason: String)
        /// A missing directory of the default home could not be made.
        case cannotCreateDirectory(String, reason: String)
        case fileNotAccessible(reason: String)
        case nameTooLong
        /// SQLite's own refusal, with its message (not a database, corrupt, ...).
        case cannotOpen(reason: String)
    }

    public var path: String
    public var role: SQLiteFileRole
    public var problem: Problem
    /// Set when the path is the default one under `INGEST_HOME` (this directory), which the
    /// user may not know they chose: the fix then names `INGEST_HOME` too.
    public var home: String?

    public init(path: String, role: SQLiteFileRole, problem: Problem, home: String? = nil) {
        self.path = path
        self.role = role
        self.problem = problem
        self.home = home
    }

    public var description: String {
        let subject = "\(role.noun) '\(path)'"
        let other = home.map { "set INGEST_HOME to another directory (it is now '\($0)') or give \(role.option) sqlite:PATH" }
            ?? "give another path with \(role.option) sqlite:PATH"
        switch problem {
        case .noFileYet:
            let origin = home.map { "nothing has run with INGEST_HOME '\($0)'" } ?? "nothing has run with \(role.option) sqlite:\(path)"
            let what = role == .brokerState ? "no state" : "no catalog"
            return "\(what) at '\(path)' yet: \(origin); `ingest start` creates it, or give the \(role.option) (or INGEST_HOME) a job was started with"
        case .isDirectory:
            return "\(subject) is a directory; give a file in it, such as \(role.option) sqlite:\((path as NSString).appendingPathComponent(role == .brokerState ? "state.sqlite" : "catalog.sqlite"))"
        case .notRegularFile(let kind):
            return "\(subject) is a \(kind), not a regular file; \(other) (a missing file is created)"
        case .directoryMissing(let directory):
            return "\(subject): directory '\(directory)' does not exist; create it (mkdir -p '\(directory)') or \(other)"
        case .componentNotDirectory:
            return "\(subject): a component of the path is a file, not a directory; \(other)"
        case .directoryNotWritable(let directory, let reason):
            return "\(subject): cannot write in directory '\(directory)' (\(reason)); make it writable for this user or \(other)"
        case .cannotCreateDirectory(let directory, let reason):
            return "\(subject): cannot create directory '\(directory)' (\(reason)); \(other)"
        case .fileNotAccessible(let reason):
            return "\(subject) cannot be opened (\(reason)); make it readable and writable for this user or \(other)"
        case .nameTooLong:
            return "\(subject): the path is too long for the file system (a name over 255 bytes or a path over 4095); \(other)"
        case .cannotOpen(let reason):
            return "\(subject) cannot be used: \(reason); if it is not an Ingest \(role.noun), \(other)"
        }
    }
}
