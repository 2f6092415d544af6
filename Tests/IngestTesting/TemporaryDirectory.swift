import Foundation

/// A directory under the system's temporary folder, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(prefix: String = "ingest-test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? NSTemporaryDirectory()
        let template = (base as NSString).appendingPathComponent("\(prefix).XXXXXX")
        var bytes = Array(template.utf8CString)
        guard let created = mkdtemp(&bytes) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: created)
        // Worker processes run as another user in some tests; let them in.
        chmod(path, 0o777)
    }

    deinit {
        _ = try? FileManager.default.removeItem(atPath: path)
    }

    public func subpath(_ relative: String) -> String {
        (path as NSString).appendingPathComponent(relative)
    }
}

/// Builds source trees for sync tests.
public enum TreeBuilder {
    /// Writes `contents` to `root/relative`, creating directories, and optionally sets its mtime.
    @discardableResult
    public static func write(_ root: String, _ relative: String, _ contents: String, mtime: Date? = nil) throws -> String {
        let path = (root as NSString).appendingPathComponent(relative)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        if let mtime {
            try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: path)
        }
        return path
    }

    /// `directories` directories (nested two deep) of `filesPerDirectory` files each.
    /// - Returns: the relative paths of the files.
    @discardableResult
    public static func grid(_ root: String, directories: Int, filesPerDirectory: Int) throws -> [String] {
        var files: [String] = []
        for d in 0..<directories {
            for f in 0..<filesPerDirectory {
                let relative = "group\(d % 3)/dir\(d)/file\(f).txt"
                try write(root, relative, String(repeating: "x", count: d + f + 1))
                files.append(relative)
            }
        }
        return files
    }

    /// Size and modification time (nanoseconds) as the file system reports them.
    public static func stat(_ path: String) -> (size: Int64, mtimeNanos: Int64) {
        var info = Glibc.stat()
        _ = Glibc.lstat(path, &info)
        return (Int64(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }

    /// Makes the tree's directories and files accessible to any user (for workers run as `nobody`).
    public static func openToEveryone(_ root: String) {
        chmod(root, 0o777)
        guard let enumerator = FileManager.default.enumerator(atPath: root) else { return }
        for case let relative as String in enumerator {
            let path = (root as NSString).appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            chmod(path, isDirectory.boolValue ? 0o777 : 0o666)
        }
    }
}
