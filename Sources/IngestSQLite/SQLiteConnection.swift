import Foundation
import GRDB
import GRDBSQLite
import IngestCore
import Synchronization

/// Opens the one `DatabasePool` a process keeps per SQLite file: WAL, `synchronous=NORMAL`,
/// and a busy timeout so several worker processes can share the file.
enum SQLiteConnection {
    /// How long a write waits for another process's write lock before it fails.
    static let busyTimeoutMilliseconds: Int32 = 60_000
    /// What a checkpointed WAL file is cut back to: a job of a million tasks writes hundreds of
    /// megabytes through it, which would otherwise stay on disk.
    static let walSizeLimitBytes = 64 << 20

    /// Checks the path, then opens the file, switches it to WAL and brings its schema up to date
    /// holding the directory's lock (`DirectoryLock`): processes started together on a new file
    /// would otherwise all create the tables, or fail to switch to WAL while another does.
    /// - Parameters:
    ///   - incrementalVacuum: Turn on `auto_vacuum=INCREMENTAL`, converting a file made without it
    ///     once (a `VACUUM`, under the same lock), so that freed pages can be given back later.
    /// - Throws: `SQLiteFileError` naming the path and the fix.
    static func open(
        path: String, role: SQLiteFileRole, access: SQLiteAccess, migrator: DatabaseMigrator, incrementalVacuum: Bool = false
    ) throws -> (pool: DatabasePool, identity: SQLiteFileIdentity?) {
        try SQLiteFileCheck.prepare(path, role: role, access: access)
        var configuration = Configuration()
        configuration.busyMode = .timeout(Double(busyTimeoutMilliseconds) / 1000)
        configuration.maximumReaderCount = 4
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA cache_size = -32768")
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA journal_size_limit = \(walSizeLimitBytes)")
            }
        }
        return try DirectoryLock.withExclusiveLock(on: SQLiteFileCheck.directoryOf(path)) {
            do {
                let pool = try DatabasePool(path: path, configuration: configuration)
                if incrementalVacuum { try enableIncrementalVacuum(pool) }
                try migrator.migrate(pool)
                return (pool, SQLiteFileIdentity(path: path, role: role))
            } catch let error as DatabaseError {
                throw SQLiteFileError(path: path, role: role, problem: .cannotOpen(reason: error.message ?? "\(error.resultCode)"))
            }
        }
    }

    /// Sets `auto_vacuum=INCREMENTAL`; a file that already has tables takes it only through a
    /// `VACUUM`, done once here (for a new file it is instant, and an old one is rewritten once).
    private static func enableIncrementalVacuum(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 else { return }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
    }
}

/// Every write of the embedded broker and catalog. The short transactions each task makes (claim,
/// finish, register, a listing's new collections) run on the calling thread when they can start at
/// once; everything else goes to GRDB's writer queue.
///
/// GRDB's async `write` hands a transaction to the writer queue and back, two thread switches: on
/// a 10,000-file PUT that was about a tenth of the CPU and of the time (A/B, median of 12 runs
/// each). But a transaction on the calling thread holds one of Swift's few cooperative threads for
/// as long as it waits, and lease renewal, deadlines and signal handling need those threads. So the
/// calling thread is used only when no other write of this process is under way (the writer queue
/// is free) and SQLite's write lock is free right now (another process may hold it for seconds);
/// otherwise the transaction waits on the writer queue like any other, with the usual busy timeout.
final class SQLiteWriter: Sendable {
    let pool: DatabasePool
    /// Checked before writes: a removed file stops them (`SQLiteFileGone`) instead of losing them.
    let identity: SQLiteFileIdentity?
    /// Writes of this process under way, on either path.
    private let writesUnderWay = Atomic<Int>(0)
    /// Transactions run on the calling thread so far (the rest went to the writer queue).
    private let callingThreadCount = Atomic<Int>(0)

    /// How many transactions took the calling thread; for tests, which cannot see threads.
    var writesOnCallingThread: Int { callingThreadCount.load(ordering: .relaxed) }
    /// Writes under way right now; for tests.
    var writesInProgress: Int { writesUnderWay.load(ordering: .relaxed) }

    init(_ pool: DatabasePool, identity: SQLiteFileIdentity? = nil) {
        self.pool = pool
        self.identity = identity
    }

    /// A transaction on GRDB's writer queue, for writes that may be long (deletes of whole trees,
    /// job submission) or rare.
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        try identity?.check()
        writesUnderWay.add(1, ordering: .sequentiallyConsistent)
        defer { writesUnderWay.subtract(1, ordering: .sequentiallyConsistent) }
        return try await pool.write(updates)
    }

    /// A short transaction, on the calling thread when it can start at once, else as `write`.
    func writeShort<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        try identity?.check()
        if writesUnderWay.compareExchange(expected: 0, desired: 1, ordering: .sequentiallyConsistent).exchanged {
            let result: T?
            do {
                defer { writesUnderWay.subtract(1, ordering: .sequentiallyConsistent) }
                result = try writeOnCallingThreadIfUnlocked(updates)
            }
            if let result {
                callingThreadCount.add(1, ordering: .relaxed)
                return result
            }
        }
        return try await write(updates)
    }

    /// The transaction on this thread, or nil without running it when another process holds the
    /// write lock. A synchronous function, so that GRDB's synchronous write is the one called: it
    /// runs the block on the calling thread when the writer queue is idle.
    private func writeOnCallingThreadIfUnlocked<T>(_ updates: (Database) throws -> T) throws -> T? {
        try pool.writeWithoutTransaction { db -> T? in
            // Fail at once rather than wait when another process holds the write lock.
            sqlite3_busy_timeout(db.sqliteConnection, 0)
            defer { sqlite3_busy_timeout(db.sqliteConnection, SQLiteConnection.busyTimeoutMilliseconds) }
            do {
                try db.beginTransaction(.immediate)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                return nil
            }
            sqlite3_busy_timeout(db.sqliteConnection, SQLiteConnection.busyTimeoutMilliseconds)
            do {
                let value = try updates(db)
                try db.commit()
                return value
            } catch {
                if db.isInsideTransaction { try? db.rollback() }
                throw error
            }
        }
    }
}
