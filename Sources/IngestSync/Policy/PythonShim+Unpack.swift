import Foundation
import IngestCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension PythonShim {
    private static let unpacked = Mutex<String?>(nil)

    /// The directory holding the shim's files, written on first use (and again if something removed it).
    ///
    /// `$XDG_CACHE_HOME/ingest/python/<digest>`, else `~/.cache/ingest/python/<digest>`, else under
    /// `$TMPDIR`. Files are written into a temporary directory beside it and renamed into place, so a
    /// reader never sees half a directory, and a process that loses the race to another just uses
    /// the winner's copy.
    static func directory() throws -> String {
        try unpacked.withLock { cached in
            if let cached, FileManager.default.fileExists(atPath: cached + "/" + hostScript) {
                return cached
            }
            var problems: [String] = []
            for base in cacheBases() {
                do {
                    let directory = try unpack(into: base)
                    cached = directory
                    return directory
                } catch {
                    problems.append("\(base): \(error)")
                }
            }
            throw IngestError.unusablePath(
                path: cacheBases().first ?? "~/.cache/ingest/python", reason: problems.joined(separator: "; "),
                fix: "set XDG_CACHE_HOME or TMPDIR to a writable directory")
        }
    }

    /// Where the unpacked directory may go, best first.
    static func cacheBases(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var bases: [String] = []
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            bases.append(cache + "/ingest/python")
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            bases.append(home + "/.cache/ingest/python")
        }
        let temporary = environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        bases.append(temporary + "/ingest-python-\(getuid())")
        return bases
    }

    /// Writes the files under `base/<digest>` unless they are there already; returns that directory.
    static func unpack(into base: String) throws -> String {
        let manager = FileManager.default
        try manager.createDirectory(atPath: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try requireOwnDirectory(base)
        let final = base + "/" + digest
        if manager.fileExists(atPath: final + "/" + hostScript) {
            return final
        }
        let staging = base + "/.unpacking-\(digest.prefix(12))-\(getpid())-\(UInt32.random(in: .min ... .max))"
        defer { try? manager.removeItem(atPath: staging) }
        for (relative, text) in files {
            let path = staging + "/" + relative
            try manager.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        if rename(staging, final) != 0 {
            let failure = errno
            // Another process renamed its complete copy into place first: use it.
            guard manager.fileExists(atPath: final + "/" + hostScript) else {
                throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
            }
        }
        return final
    }

    /// A shared temporary directory could have been made by someone else, to plant code we would run.
    private static func requireOwnDirectory(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard info.st_uid == getuid(), (info.st_mode & S_IFMT) == S_IFDIR else {
            throw POSIXError(.EPERM)
        }
    }
}
