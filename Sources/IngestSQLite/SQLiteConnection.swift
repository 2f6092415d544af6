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
