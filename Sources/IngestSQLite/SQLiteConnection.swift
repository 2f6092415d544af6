import Foundation
import GRDB

/// Opens the one `DatabasePool` a process keeps per SQLite file: WAL, `synchronous=NORMAL`,
/// and a busy timeout so several worker processes can share the file.
enum SQLiteConnection {
    static func openPool(path: String) throws -> DatabasePool {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(60)
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA cache_size = -32768")
        }
        return try DatabasePool(path: path, configuration: configuration)
    }
}

extension DatabasePool {
    /// A write transaction run on the calling thread, for the short transactions every task makes
    /// (claim, finish, register, a listing's new collections). The async `write` hands each one to
    /// the writer's queue and back, two thread switches per transaction: on a 10,000-file PUT that
    /// was about a tenth of the CPU and of the time (A/B, median of 12 runs each). Like a file
    /// copy, this blocks the calling thread for the length of the transaction (and of SQLite's busy
    /// wait when another process holds the write lock), which is why the rarer writes keep the
    /// async form.
    func writeOnCallingThread<T>(_ updates: (Database) throws -> T) throws -> T {
        try write(updates)
    }
}
