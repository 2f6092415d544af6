import GRDB

extension SQLiteBroker {
    /// Pages one step gives back: 8 MB of 4 KiB pages, a write transaction of a few milliseconds,
    /// so that other processes' claims and completions get the lock between steps.
    static let reclaimStepPages = 2048

    /// Gives the file's free pages back to the file system (`PRAGMA incremental_vacuum`), a bounded
    /// number per transaction. Called when a job ends and after a flush: a job of a million tasks
    /// grows the file to hundreds of megabytes that are all free once its tasks are gone.
    ///
    /// Best effort: the job's end is already committed, and a failure here (the lock held too long
    /// by another process) leaves the pages to the next job's end.
    func reclaimSpace() async {
        guard let initial = try? await pool.read({ db in try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0 }),
              initial > 0
        else { return }
        // Bounded by what was free at the start, so pages other processes free meanwhile cannot keep it going.
        for _ in 0..<(initial + Self.reclaimStepPages - 1) / Self.reclaimStepPages {
            let freeLeft = try? await writer.write { db -> Int in
                try db.execute(sql: "PRAGMA incremental_vacuum(\(Self.reclaimStepPages))")
                return try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            }
            guard let freeLeft, freeLeft > 0 else { break }
        }
    }
}
