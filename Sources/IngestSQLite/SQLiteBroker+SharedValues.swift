import Foundation
import GRDB
import IngestCore

/// Shared values (see `Broker`) in the `shared_values` table. An expired value reads as absent at
/// once and its row goes with the next write of any shared value; every write is one short
/// transaction, so concurrent increments from any number of processes add up exactly.
extension SQLiteBroker {
    public func sharedValue(job: String, key: String) async throws -> Data? {
        let now = currentTimestamp()
        return try await pool.read { db in
            try Self.requireJob(job, db: db)
            return try Data.fetchOne(
                db.cachedStatement(sql: """
                    SELECT value FROM shared_values WHERE job = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)
                    """),
                arguments: [job, key, now])
        }
    }

    public func setSharedValue(job: String, key: String, value: Data, expiresIn: Double?) async throws {
        try SharedValueRules.checkExpiry(expiresIn)
        let now = currentTimestamp()
        try await writer.writeShort { db in
            try Self.prepareSharedWrite(job: job, db: db, now: now)
            try Self.storeShared(job: job, key: key, value: value, expiresAt: expiresIn.map { now + $0 }, db: db)
        }
    }

    public func incrementSharedValue(job: String, key: String, by amount: Int64) async throws -> Int64 {
        let now = currentTimestamp()
        return try await writer.writeShort { db in
            try Self.prepareSharedWrite(job: job, db: db, now: now)
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT value, expires_at FROM shared_values WHERE job = ? AND key = ?"), arguments: [job, key])
            else {
                try Self.storeShared(job: job, key: key, value: Data(String(amount).utf8), expiresAt: nil, db: db)
                return amount
            }
            guard let stored = Self.decimalInteger(row["value"]) else { throw IngestError.sharedValueNotInteger(job: job, key: key) }
            let (total, overflow) = stored.addingReportingOverflow(amount)
            guard !overflow else { throw IngestError.sharedValueNotInteger(job: job, key: key) }
            try Self.storeShared(job: job, key: key, value: Data(String(total).utf8), expiresAt: row["expires_at"], db: db)
            return total
        }
    }

    public func deleteSharedValues(job: String, keys: [String]) async throws -> Int {
        let now = currentTimestamp()
        return try await writer.writeShort { db in
            try Self.prepareSharedWrite(job: job, db: db, now: now)
            let delete = try db.cachedStatement(sql: "DELETE FROM shared_values WHERE job = ? AND key = ?")
            var deleted = 0
            for key in keys {
                try delete.execute(arguments: [job, key])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    public func expireSharedValue(job: String, key: String, after seconds: Double) async throws -> Bool {
        try SharedValueRules.checkDelay(seconds)
        let now = currentTimestamp()
        return try await writer.writeShort { db in
            try Self.prepareSharedWrite(job: job, db: db, now: now)
            if seconds <= 0 {
                try db.execute(sql: "DELETE FROM shared_values WHERE job = ? AND key = ?", arguments: [job, key])
            } else {
                try db.execute(
                    sql: "UPDATE shared_values SET expires_at = ? WHERE job = ? AND key = ?", arguments: [now + seconds, job, key])
            }
            return db.changesCount > 0
        }
    }

    // MARK: - Helpers inside a transaction

    private static func requireJob(_ job: String, db: Database) throws {
        guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM jobs WHERE name = ?"), arguments: [job]) != nil else {
            throw IngestError.jobNotFound(job)
        }
    }

    /// Checks the job, then purges every expired value (of any job), so that the write sees only
    /// live values and expired ones do not pile up.
    private static func prepareSharedWrite(job: String, db: Database, now: Timestamp) throws {
        try requireJob(job, db: db)
        try db.cachedStatement(sql: "DELETE FROM shared_values WHERE expires_at <= ?").execute(arguments: [now])
    }

    /// `COALESCE`: an empty `Data` may have no address, and SQLite binds a blob without one as NULL.
    private static func storeShared(job: String, key: String, value: Data, expiresAt: Timestamp?, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO shared_values (job, key, value, expires_at) VALUES (?, ?, COALESCE(?, X''), ?)
            """)
            .execute(arguments: [job, key, value, expiresAt])
    }

    /// The value as Redis's `INCRBY` reads it: decimal ASCII digits, an optional leading `-`, no
    /// sign on zero, no leading zeros, no spaces, within 64 bits. Anything else is nil.
    static func decimalInteger(_ value: Data) -> Int64? {
        let zero = UInt8(ascii: "0")
        let bytes = Array(value)
        if bytes == [zero] { return 0 }
        let negative = bytes.first == UInt8(ascii: "-")
        let digits = bytes.dropFirst(negative ? 1 : 0)
        guard let first = digits.first, first > zero, first <= UInt8(ascii: "9") else { return nil }
        // Accumulated as a negative number, whose range holds Int64.min.
        var total: Int64 = 0
        for byte in digits {
            guard byte >= zero, byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowed) = total.multipliedReportingOverflow(by: 10)
            let (next, underflowed) = shifted.subtractingReportingOverflow(Int64(byte - zero))
            guard !overflowed, !underflowed else { return nil }
            total = next
        }
        if negative { return total }
        let (positive, overflowed) = Int64(0).subtractingReportingOverflow(total)
        return overflowed ? nil : positive
    }
}
