import Foundation
import GRDB
import IngestCore

/// The embedded broker: queues, leases, job registry and counters in one SQLite file (WAL),
/// shared by every worker process on the machine. Each multi-row transition is one transaction.
public final class SQLiteBroker: Broker {
    let pool: DatabasePool

    /// Opens (and creates or migrates) the broker database at `path`.
    public init(path: String) throws {
        pool = try SQLiteConnection.openPool(path: path)
        try Self.migrator.migrate(pool)
    }

    // MARK: - Jobs

    public func submit(_ job: JobDefinition, tasks: [NewTask]) async throws {
        let now = currentTimestamp()
        try await pool.write { db in
            if let state = try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE name = ?", arguments: [job.name]) {
                guard JobState(rawValue: state)?.isTerminal ?? true else {
                    throw IngestError.jobAlreadyActive(job.name)
                }
                try db.execute(sql: "DELETE FROM tasks WHERE job = ?", arguments: [job.name])
                try db.execute(sql: "DELETE FROM job_counters WHERE job = ?", arguments: [job.name])
                try db.execute(sql: "DELETE FROM jobs WHERE name = ?", arguments: [job.name])
            }
            try db.execute(
                sql: "INSERT INTO jobs (name, kind, spec, state, created_at, pending) VALUES (?, ?, ?, ?, ?, 0)",
                arguments: [job.name, job.kind, job.spec, JobState.queued.rawValue, now])
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            try Self.insert(tasks, db: db, now: now, deltas: &deltas, pending: &pending)
            try Self.apply(deltas, pending: pending, db: db)
            try Self.finalizeIdleJobs([job.name], db: db, now: now)
        }
    }

    public func job(named name: String) async throws -> JobStatus? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE name = ?", arguments: [name]) else {
                return nil
            }
            return try Self.status(from: row, db: db)
        }
    }

    public func jobs() async throws -> [JobStatus] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM jobs ORDER BY created_at, name").map { try Self.status(from: $0, db: db) }
        }
    }

    public func stop(job name: String) async throws -> JobStatus {
        let now = currentTimestamp()
        return try await pool.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE name = ?", arguments: [name]) else {
                throw IngestError.jobNotFound(name)
            }
            let state = JobState(rawValue: row["state"]) ?? .failed
            if !state.isTerminal {
                // One statement cancels every queued task, however many there are.
                try db.execute(
                    sql: "DELETE FROM tasks WHERE job = ? AND state = ?",
                    arguments: [name, StoredState.ready.rawValue])
                let cancelled = Int64(db.changesCount)
                var deltas = CounterDeltas()
                deltas.add(name, Counter.tasksCancelled, cancelled)
                try Self.apply(deltas, pending: [name: -cancelled], db: db)
                try db.execute(
                    sql: "UPDATE jobs SET state = ? WHERE name = ?",
                    arguments: [JobState.stopping.rawValue, name])
                try Self.finalizeIdleJobs([name], db: db, now: now)
            }
            let updated = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE name = ?", arguments: [name])!
            return try Self.status(from: updated, db: db)
        }
    }

    public func flush() async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM tasks; DELETE FROM job_counters; DELETE FROM jobs;")
        }
    }

    // MARK: - Claims and leases

    public func claim(queues: [String], limit: Int, leaseDuration: Double, worker: String) async throws -> [ClaimedTask] {
        guard limit > 0, !queues.isEmpty else { return [] }
        let now = currentTimestamp()
        return try await pool.write { db in
            var claimed: [ClaimedTask] = []
            let statement = try db.cachedStatement(sql: """
                UPDATE tasks SET state = 1, lease_deadline = ?, fence = fence + 1, worker = ?, attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM tasks WHERE state = 0 AND queue = ? AND not_before <= ? ORDER BY id LIMIT ?
                )
                RETURNING id, job, queue, kind, key, payload, fence, attempts, max_retries, retry_delay, timeout, entry_count
                """)
            for queue in queues where claimed.count < limit {
                let rows = try Row.fetchAll(
                    statement, arguments: [now + leaseDuration, worker, queue, now, limit - claimed.count])
                for row in rows {
                    claimed.append(ClaimedTask(
                        lease: TaskLease(taskID: row["id"], fence: row["fence"]),
                        job: row["job"], queue: row["queue"], kind: row["kind"], key: row["key"],
                        payload: row["payload"],
                        retry: RetryPolicy(maxRetries: row["max_retries"], delay: row["retry_delay"], timeout: row["timeout"]),
                        entryCount: row["entry_count"], attempt: row["attempts"]))
                }
            }
            let jobs = Set(claimed.map(\.job))
            if !jobs.isEmpty {
                let mark = try db.cachedStatement(sql: "UPDATE jobs SET state = 'running' WHERE name = ? AND state = 'queued'")
                for job in jobs { try mark.execute(arguments: [job]) }
            }
            return claimed
        }
    }

    public func renew(_ leases: [TaskLease], leaseDuration: Double) async throws -> [TaskLease: LeaseStatus] {
        guard !leases.isEmpty else { return [:] }
        let deadline = currentTimestamp() + leaseDuration
        return try await pool.write { db in
            var answer: [TaskLease: LeaseStatus] = [:]
            let renew = try db.cachedStatement(sql: """
                UPDATE tasks SET lease_deadline = ? WHERE id = ? AND fence = ? AND state = 1
                RETURNING (SELECT state FROM jobs WHERE jobs.name = tasks.job)
                """)
            for lease in leases {
                if let jobState = try String.fetchOne(renew, arguments: [deadline, lease.taskID, lease.fence]) {
                    answer[lease] = jobState == JobState.stopping.rawValue || jobState == JobState.stopped.rawValue ? .jobStopping : .renewed
                } else {
                    answer[lease] = .lost
                }
            }
            return answer
        }
    }

    public func reapExpiredLeases() async throws -> Int {
        let now = currentTimestamp()
        return try await pool.write { db in
            let jobs = try String.fetchAll(db, sql: """
                UPDATE tasks SET state = 0, lease_deadline = NULL, worker = NULL, not_before = 0
                WHERE state = 1 AND lease_deadline < ?
                RETURNING job
                """, arguments: [now])
            var deltas = CounterDeltas()
            for job in jobs { deltas.add(job, Counter.tasksRetried, 1) }
            try Self.apply(deltas, pending: [:], db: db)
            return jobs.count
        }
    }

    // MARK: - Completion

    public func finish(_ completions: [TaskCompletion]) async throws -> Set<TaskLease> {
        guard !completions.isEmpty else { return [] }
        let now = currentTimestamp()
        return try await pool.write { db in
            var applied = Set<TaskLease>()
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            var jobStates: [String: JobState] = [:]
            let lookup = try db.cachedStatement(sql: """
                SELECT job, retries, max_retries, retry_delay, entry_count FROM tasks WHERE id = ? AND fence = ? AND state = 1
                """)
            let delete = try db.cachedStatement(sql: "DELETE FROM tasks WHERE id = ?")
            let retry = try db.cachedStatement(sql: """
                UPDATE tasks SET state = 0, retries = retries + 1, not_before = ?, lease_deadline = NULL, worker = NULL, error = ?
                WHERE id = ?
                """)
            let fail = try db.cachedStatement(sql: """
                UPDATE tasks SET state = 2, lease_deadline = NULL, worker = NULL, error = ?, failed_at = ? WHERE id = ?
                """)
            for completion in completions {
                guard let row = try Row.fetchOne(lookup, arguments: [completion.lease.taskID, completion.lease.fence]) else {
                    continue  // stale: the lease expired and the task belongs to someone else now
                }
                applied.insert(completion.lease)
                let job: String = row["job"]
                let jobState = try jobStates[job] ?? Self.state(of: job, db: db)
                jobStates[job] = jobState
                let jobIsActive = jobState == .queued || jobState == .running

                switch completion.outcome {
                case .succeeded:
                    try delete.execute(arguments: [completion.lease.taskID])
                    pending[job, default: 0] -= 1
                    deltas.add(job, Counter.tasksDone, 1)
                    for (name, value) in completion.counters { deltas.add(job, name, value) }
                    if jobIsActive {
                        try Self.insert(completion.spawned, db: db, now: now, deltas: &deltas, pending: &pending)
                    }
                case .failed(let error, let retryable):
                    let retries: Int = row["retries"]
                    let maxRetries: Int = row["max_retries"]
                    if jobIsActive && retryable && retries < maxRetries {
                        let delay: Double = row["retry_delay"]
                        try retry.execute(arguments: [now + delay, error, completion.lease.taskID])
                        deltas.add(job, Counter.tasksRetried, 1)
                    } else if jobIsActive {
                        try fail.execute(arguments: [error, now, completion.lease.taskID])
                        pending[job, default: 0] -= 1
                        deltas.add(job, Counter.tasksFailed, 1)
                        deltas.add(job, Counter.entriesFailed, row["entry_count"])
                    } else {
                        try delete.execute(arguments: [completion.lease.taskID])
                        pending[job, default: 0] -= 1
                        deltas.add(job, Counter.tasksCancelled, 1)
                    }
                }
            }
            try Self.apply(deltas, pending: pending, db: db)
            try Self.finalizeIdleJobs(Array(jobStates.keys), db: db, now: now)
            return applied
        }
    }

    // MARK: - Failed registry

    public func failedTasks(job: String?, queue: String?, limit: Int) async throws -> [FailedTask] {
        try await pool.read { db in
            var sql = "SELECT id, job, queue, kind, key, error, attempts, failed_at FROM tasks WHERE state = 2"
            var arguments: StatementArguments = []
            if let job {
                sql += " AND job = ?"
                arguments += [job]
            }
            if let queue {
                sql += " AND queue = ?"
                arguments += [queue]
            }
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                FailedTask(
                    taskID: row["id"], job: row["job"], queue: row["queue"], kind: row["kind"], key: row["key"],
                    error: row["error"] ?? "", attempts: row["attempts"], failedAt: row["failed_at"] ?? 0)
            }
        }
    }

    public func requeueFailed(job: String?, queue: String?) async throws -> Int {
        try await pool.write { db in
            var sql = "UPDATE tasks SET state = 0, retries = 0, not_before = 0, error = NULL, failed_at = NULL WHERE state = 2"
            var arguments: StatementArguments = []
            if let job {
                sql += " AND job = ?"
                arguments += [job]
            }
            if let queue {
                sql += " AND queue = ?"
                arguments += [queue]
            }
            sql += " RETURNING job, entry_count"
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            for row in rows {
                let job: String = row["job"]
                deltas.add(job, Counter.tasksFailed, -1)
                deltas.add(job, Counter.entriesFailed, -(row["entry_count"] as Int64))
                deltas.add(job, Counter.tasksRetried, 1)
                pending[job, default: 0] += 1
            }
            try Self.apply(deltas, pending: pending, db: db)
            let reopen = try db.cachedStatement(sql: """
                UPDATE jobs SET state = 'running', finished_at = NULL WHERE name = ? AND state IN ('completed', 'failed', 'stopped')
                """)
            for job in pending.keys { try reopen.execute(arguments: [job]) }
            return rows.count
        }
    }
}

// MARK: - Shared transaction steps

extension SQLiteBroker {
    /// Counter changes gathered during one transaction and written once per (job, counter).
    struct CounterDeltas {
        var values: [String: [String: Int64]] = [:]

        mutating func add(_ job: String, _ name: String, _ value: Int64) {
            guard value != 0 else { return }
            values[job, default: [:]][name, default: 0] += value
        }
    }

    static func insert(_ tasks: [NewTask], db: Database, now: Timestamp, deltas: inout CounterDeltas, pending: inout [String: Int64]) throws {
        guard !tasks.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO tasks (job, queue, kind, key, payload, state, not_before, max_retries, retry_delay, timeout, entry_count, error, failed_at)
            VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
            """)
        for task in tasks {
            let failed = task.failedWithError != nil
            try statement.execute(arguments: [
                task.job, task.queue, task.kind, task.key, task.payload,
                failed ? StoredState.failed.rawValue : StoredState.ready.rawValue,
                task.retry.maxRetries, task.retry.delay, task.retry.timeout, task.entryCount,
                task.failedWithError, failed ? now : nil,
            ])
            deltas.add(task.job, Counter.tasksQueued, 1)
            if failed {
                deltas.add(task.job, Counter.tasksFailed, 1)
                deltas.add(task.job, Counter.entriesFailed, Int64(task.entryCount))
            } else {
                pending[task.job, default: 0] += 1
            }
        }
    }

    static func apply(_ deltas: CounterDeltas, pending: [String: Int64], db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO job_counters (job, name, value) VALUES (?, ?, ?)
            ON CONFLICT (job, name) DO UPDATE SET value = value + excluded.value
            """)
        for (job, counters) in deltas.values {
            for (name, value) in counters where value != 0 {
                try upsert.execute(arguments: [job, name, value])
            }
        }
        let adjust = try db.cachedStatement(sql: "UPDATE jobs SET pending = pending + ? WHERE name = ?")
        for (job, delta) in pending where delta != 0 {
            try adjust.execute(arguments: [delta, job])
        }
    }

    /// A job ends exactly when its last pending task ends: completed, failed (something failed) or stopped.
    static func finalizeIdleJobs(_ jobs: [String], db: Database, now: Timestamp) throws {
        let finalize = try db.cachedStatement(sql: """
            UPDATE jobs SET finished_at = ?, state = CASE
                WHEN state = 'stopping' THEN 'stopped'
                WHEN EXISTS (SELECT 1 FROM job_counters c WHERE c.job = jobs.name AND c.name IN ('tasks.failed', 'entries.failed') AND c.value > 0) THEN 'failed'
                ELSE 'completed' END
            WHERE name = ? AND pending <= 0 AND state IN ('queued', 'running', 'stopping')
            """)
        for job in jobs {
            try finalize.execute(arguments: [now, job])
        }
    }

    static func state(of job: String, db: Database) throws -> JobState {
        let raw = try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE name = ?", arguments: [job])
        return raw.flatMap(JobState.init(rawValue:)) ?? .stopped
    }

    static func status(from row: Row, db: Database) throws -> JobStatus {
        let name: String = row["name"]
        var counters: [String: Int64] = [:]
        for counter in try Row.fetchAll(db, sql: "SELECT name, value FROM job_counters WHERE job = ?", arguments: [name]) {
            counters[counter["name"]] = counter["value"]
        }
        let running = try Int64.fetchOne(
            db, sql: "SELECT COUNT(*) FROM tasks WHERE job = ? AND state = 1", arguments: [name]) ?? 0
        return JobStatus(
            name: name, kind: row["kind"], spec: row["spec"], state: JobState(rawValue: row["state"]) ?? .failed,
            createdAt: row["created_at"], finishedAt: row["finished_at"],
            pendingTasks: row["pending"], runningTasks: running, counters: counters)
    }
}
