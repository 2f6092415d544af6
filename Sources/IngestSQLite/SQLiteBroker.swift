import Foundation
import GRDB
import IngestCore

/// The embedded broker: queues, leases, job registry and counters in one SQLite file (WAL),
/// shared by every worker process on the machine. Each multi-row transition is one transaction.
public final class SQLiteBroker: Broker {
    let pool: DatabasePool
    /// Every write goes through it (see `SQLiteWriter`).
    let writer: SQLiteWriter

    /// Opens (and creates or migrates) the broker database at `path`.
    /// - Parameter access: Whether a missing file (and its directories) may be created; commands
    ///   that only read pass `.existingOnly`.
    /// - Throws: `SQLiteFileError` when the path cannot hold the file, naming the fix.
    public init(path: String, access: SQLiteAccess = .create(directories: true)) throws {
        let opened = try SQLiteConnection.open(
            path: path, role: .brokerState, access: access, migrator: Self.migrator, incrementalVacuum: true)
        pool = opened.pool
        writer = SQLiteWriter(pool, identity: opened.identity)
    }

    // MARK: - Jobs

    public func submit(_ job: JobDefinition, tasks: [NewTask]) async throws {
        let now = currentTimestamp()
        try await writer.write { db in
            if let state = try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE name = ?", arguments: [job.name]) {
                guard JobState(rawValue: state)?.isTerminal ?? true else {
                    throw IngestError.jobAlreadyActive(job.name)
                }
                try db.execute(sql: "DELETE FROM tasks WHERE job = ?", arguments: [job.name])
                try db.execute(sql: "DELETE FROM task_dependencies WHERE job = ?", arguments: [job.name])
                try db.execute(sql: "DELETE FROM job_counters WHERE job = ?", arguments: [job.name])
                try db.execute(sql: "DELETE FROM job_passes WHERE job = ?", arguments: [job.name])
                try db.execute(sql: "DELETE FROM first_claims WHERE job = ?", arguments: [job.name])
                // Shared values stay: counters kept across runs are what handlers keep there.
                try db.execute(sql: "DELETE FROM jobs WHERE name = ?", arguments: [job.name])
            }
            // A job whose first tasks wait for a later time (a cron schedule's first pass) waits until then.
            let firstRun = tasks.compactMap(\.notBefore).min().flatMap { $0 > now ? $0 : nil }
            try db.execute(
                sql: """
                    INSERT INTO jobs (name, kind, spec, state, created_at, pending, schedule, profile, pass, pass_tasks, next_run_at, final_tasks)
                    VALUES (?, ?, ?, ?, ?, 0, ?, ?, 1, ?, ?, ?)
                    """,
                arguments: [
                    job.name, job.kind, job.spec, firstRun == nil ? JobState.queued.rawValue : JobState.waiting.rawValue, firstRun ?? now,
                    try job.schedule.map { try JSONEncoder().encode($0) }, job.profileFilename,
                    job.schedule == nil ? nil : try JSONEncoder().encode(tasks), firstRun,
                    job.finalTasks.isEmpty ? nil : try JSONEncoder().encode(job.finalTasks),
                ])
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            try Self.insert(tasks, pass: 1, db: db, now: now, deltas: &deltas, pending: &pending)
            try Self.apply(deltas, pending: pending, db: db)
            try Self.finalizeIdleJobs([job.name], db: db, now: now)
        }
    }

    public func enqueue(_ tasks: [NewTask]) async throws {
        guard !tasks.isEmpty else { return }
        let now = currentTimestamp()
        try await writer.write { db in
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            for (job, jobTasks) in Dictionary(grouping: tasks, by: \.job) {
                let info = try Self.info(of: job, db: db)
                guard info.exists else { throw IngestError.jobNotFound(job) }
                guard info.state != .stopping else { throw IngestError.jobStopping(job) }
                try Self.insert(jobTasks, pass: info.pass, db: db, now: now, deltas: &deltas, pending: &pending)
                try db.execute(
                    sql: "UPDATE jobs SET state = 'running', finished_at = NULL, final_pass = NULL WHERE name = ? AND state IN ('completed', 'failed', 'stopped', 'waiting')",
                    arguments: [job])
            }
            try Self.apply(deltas, pending: pending, db: db)
            // Tasks that were all recorded as failed, or all blocked, may leave the job idle at once.
            try Self.finalizeIdleJobs(Array(Set(tasks.map(\.job))), db: db, now: now)
        }
    }

    public func queueCounts(job name: String) async throws -> [String: QueueCounts] {
        try await pool.read { db in
            var counts: [String: QueueCounts] = [:]
            let rows = try Row.fetchAll(
                db, sql: "SELECT queue, state, COUNT(*) AS n FROM tasks WHERE job = ? GROUP BY state, queue", arguments: [name])
            for row in rows {
                let queue: String = row["queue"]
                let count: Int64 = row["n"]
                switch StoredState(rawValue: row["state"]) {
                case .ready: counts[queue, default: QueueCounts()].ready += count
                case .running: counts[queue, default: QueueCounts()].running += count
                case .failed: counts[queue, default: QueueCounts()].failed += count
                case .blocked: counts[queue, default: QueueCounts()].blocked += count
                case nil: continue
                }
            }
            return counts
        }
    }

    public func queueNames() async throws -> [String] {
        // Polled by a worker on every queue even while nothing is queued: it notices a removed file too.
        try writer.identity?.check()
        return try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM queues ORDER BY name")
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
        let status = try await writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE name = ?", arguments: [name]) else {
                throw IngestError.jobNotFound(name)
            }
            let state = JobState(rawValue: row["state"]) ?? .failed
            if !state.isTerminal {
                // One statement cancels every queued task, however many there are.
                try db.execute(
                    sql: "DELETE FROM tasks WHERE job = ? AND state = ?",
                    arguments: [name, StoredState.ready.rawValue])
                let cancelledReady = Int64(db.changesCount)
                try db.execute(
                    sql: "DELETE FROM tasks WHERE job = ? AND state = ?",
                    arguments: [name, StoredState.blocked.rawValue])
                let cancelledBlocked = Int64(db.changesCount)
                try db.execute(sql: "DELETE FROM task_dependencies WHERE job = ?", arguments: [name])
                var deltas = CounterDeltas()
                deltas.add(name, Counter.tasksCancelled, cancelledReady + cancelledBlocked)
                try Self.apply(deltas, pending: [name: -cancelledReady], db: db)
                // Without its pass template a stopped periodic job never schedules another pass,
                // even if its failed tasks are requeued later.
                try db.execute(
                    sql: "UPDATE jobs SET state = ?, pass_tasks = NULL WHERE name = ?",
                    arguments: [JobState.stopping.rawValue, name])
                try Self.finalizeIdleJobs([name], db: db, now: now)
            }
            let updated = try Row.fetchOne(db, sql: "SELECT * FROM jobs WHERE name = ?", arguments: [name])!
            return try Self.status(from: updated, db: db)
        }
        if status.state.isTerminal { await reclaimSpace() }
        return status
    }

    public func forget(job name: String) async throws {
        try await writer.write { db in
            guard let state = try String.fetchOne(db, sql: "SELECT state FROM jobs WHERE name = ?", arguments: [name]) else {
                throw IngestError.jobNotFound(name)
            }
            guard JobState(rawValue: state)?.isTerminal ?? true else { throw IngestError.jobAlreadyActive(name) }
            for table in ["tasks", "task_dependencies", "job_counters", "job_passes", "first_claims", "shared_values"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE job = ?", arguments: [name])
            }
            try db.execute(sql: "DELETE FROM jobs WHERE name = ?", arguments: [name])
        }
        await reclaimSpace()
    }

    public func flush() async throws {
        try await writer.write { db in
            try db.execute(sql: """
                DELETE FROM tasks; DELETE FROM task_dependencies; DELETE FROM job_counters; DELETE FROM job_passes;
                DELETE FROM jobs; DELETE FROM queues; DELETE FROM first_claims; DELETE FROM shared_values;
                """)
        }
        await reclaimSpace()
    }

    // MARK: - Workers

    public func heartbeat(_ worker: WorkerRecord, ttl: Double) async throws {
        let now = currentTimestamp()
        let record = try JSONEncoder().encode(worker)
        try await writer.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO workers (id, record, expires_at) VALUES (?, ?, ?)", arguments: [worker.id, record, now + ttl])
            try db.execute(sql: "DELETE FROM workers WHERE expires_at < ?", arguments: [now])
        }
    }

    public func liveWorkers() async throws -> [WorkerRecord] {
        let now = currentTimestamp()
        let records = try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT record FROM workers WHERE expires_at >= ?", arguments: [now])
        }
        return records.compactMap { try? JSONDecoder().decode(WorkerRecord.self, from: $0) }.sorted { $0.startedAt < $1.startedAt }
    }

    public func removeWorker(id: String) async throws {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM workers WHERE id = ?", arguments: [id])
        }
    }

    /// An embedded file is ready once opened (opening checks and migrates it).
    public func checkReady() async throws {}

    public func claimFirst(job: String, claims: [FirstClaim]) async throws -> [String] {
        guard !claims.isEmpty else { return [] }
        return try await writer.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM jobs WHERE name = ?", arguments: [job]) != nil else {
                throw IngestError.jobNotFound(job)
            }
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO first_claims (job, key, owner) VALUES (?, ?, ?)")
            let select = try db.cachedStatement(sql: "SELECT owner FROM first_claims WHERE job = ? AND key = ?")
            return try claims.map { claim in
                try insert.execute(arguments: [job, claim.key, claim.owner])
                return try String.fetchOne(select, arguments: [job, claim.key]) ?? claim.owner
            }
        }
    }

    // MARK: - Claims and leases

    public func claim(queues: [String], limit: Int, leaseDuration: Double, worker: String) async throws -> [ClaimedTask] {
        guard limit > 0, !queues.isEmpty else { return [] }
        // A worker being torn down takes nothing (its tasks would sit leased until the leases expire).
        try Task.checkCancellation()
        let now = currentTimestamp()
        return try await writer.writeShort { db in
            var claimed: [ClaimedTask] = []
            let statement = try db.cachedStatement(sql: """
                UPDATE tasks SET state = 1, lease_deadline = ?, fence = fence + 1, worker = ?, attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM tasks WHERE state = 0 AND queue = ? AND not_before <= ? ORDER BY id LIMIT ?
                )
                RETURNING id, job, queue, kind, key, payload, fence, attempts, max_retries, retry_delay, timeout, entry_count,
                    (SELECT profile FROM jobs WHERE jobs.name = tasks.job) AS profile
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
                        entryCount: row["entry_count"], attempt: row["attempts"], profileFilename: row["profile"]))
                }
            }
            let jobs = Set(claimed.map(\.job))
            if !jobs.isEmpty {
                // A waiting periodic job's pass starts now, whenever its schedule said it could; a
                // queued job starts with its first claim.
                let mark = try db.cachedStatement(sql: """
                    UPDATE jobs SET state = 'running', created_at = CASE WHEN state = 'waiting' THEN ? ELSE created_at END,
                        started_at = CASE WHEN state = 'waiting' OR started_at IS NULL THEN ? ELSE started_at END
                    WHERE name = ? AND state IN ('queued', 'waiting')
                    """)
                // A job moved straight to running (a waiting job requeued) starts with this claim too.
                let start = try db.cachedStatement(sql: "UPDATE jobs SET started_at = ? WHERE name = ? AND started_at IS NULL")
                for job in jobs {
                    try mark.execute(arguments: [now, now, job])
                    try start.execute(arguments: [now, job])
                }
            }
            return claimed
        }
    }

    public func renew(_ leases: [TaskLease], leaseDuration: Double) async throws -> [TaskLease: LeaseStatus] {
        guard !leases.isEmpty else { return [:] }
        let deadline = currentTimestamp() + leaseDuration
        return try await writer.write { db in
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

    /// How many times a task may lose its worker before it is recorded as failed: a task that
    /// kills every worker that runs it (a crash, the out-of-memory killer) must not loop forever.
    static let maximumLostDeliveries = 3

    public func reapExpiredLeases() async throws -> Int {
        let now = currentTimestamp()
        let (reaped, jobEnded) = try await writer.write { db in
            let expired = try Row.fetchAll(db, sql: """
                SELECT t.id, t.job, t.attempts, t.retries, t.entry_count, j.state AS job_state
                FROM tasks t LEFT JOIN jobs j ON j.name = t.job
                WHERE t.state = 1 AND t.lease_deadline < ?
                """, arguments: [now])
            guard !expired.isEmpty else { return (0, false) }
            let redeliver = try db.cachedStatement(sql: """
                UPDATE tasks SET state = 0, lease_deadline = NULL, worker = NULL, not_before = 0 WHERE id = ?
                """)
            let fail = try db.cachedStatement(sql: """
                UPDATE tasks SET state = 2, lease_deadline = NULL, worker = NULL, error = ?, failed_at = ? WHERE id = ?
                """)
            let delete = try db.cachedStatement(sql: "DELETE FROM tasks WHERE id = ?")
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            for row in expired {
                let job: String = row["job"]
                let jobState = (row["job_state"] as String?).flatMap(JobState.init(rawValue:)) ?? .stopped
                let lostDeliveries = (row["attempts"] as Int) - (row["retries"] as Int)
                if jobState != .queued && jobState != .running {
                    // The job is stopping: its abandoned task is cancelled, not run again.
                    try delete.execute(arguments: [row["id"]])
                    pending[job, default: 0] -= 1
                    deltas.add(job, Counter.tasksCancelled, 1)
                } else if lostDeliveries >= Self.maximumLostDeliveries {
                    let error = "its worker stopped responding \(lostDeliveries) times (killed, crashed or out of memory); "
                        + "the task itself may be the cause"
                    try fail.execute(arguments: [error, now, row["id"]])
                    pending[job, default: 0] -= 1
                    deltas.add(job, Counter.tasksFailed, 1)
                    deltas.add(job, Counter.entriesFailed, row["entry_count"])
                } else {
                    try redeliver.execute(arguments: [row["id"]])
                    deltas.add(job, Counter.tasksRetried, 1)
                }
            }
            try Self.apply(deltas, pending: pending, db: db)
            let jobEnded = try Self.finalizeIdleJobs(Array(Set(pending.keys)), db: db, now: now)
            return (expired.count, jobEnded)
        }
        if jobEnded { await reclaimSpace() }
        return reaped
    }

    // MARK: - Completion

    public func finish(_ completions: [TaskCompletion]) async throws -> Set<TaskLease> {
        guard !completions.isEmpty else { return [] }
        let now = currentTimestamp()
        let (applied, jobEnded) = try await writer.writeShort { db in
            var applied = Set<TaskLease>()
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            var jobInfo: [String: (state: JobState, pass: Int, exists: Bool)] = [:]
            let lookup = try db.cachedStatement(sql: """
                SELECT job, key, retries, max_retries, retry_delay, entry_count FROM tasks WHERE id = ? AND fence = ? AND state = 1
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
                let info = try jobInfo[job] ?? Self.info(of: job, db: db)
                jobInfo[job] = info
                let jobIsActive = info.state == .queued || info.state == .running

                switch completion.outcome {
                case .succeeded:
                    try delete.execute(arguments: [completion.lease.taskID])
                    pending[job, default: 0] -= 1
                    deltas.add(job, Counter.tasksDone, 1)
                    for (name, value) in completion.counters { deltas.add(job, name, value) }
                    try Self.releaseDependents(of: row["key"], job: job, db: db, pending: &pending)
                    if jobIsActive {
                        try Self.insert(completion.spawned, pass: info.pass, db: db, now: now, deltas: &deltas, pending: &pending)
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
            let jobEnded = try Self.finalizeIdleJobs(Array(jobInfo.keys), db: db, now: now)
            return (applied, jobEnded)
        }
        if jobEnded { await reclaimSpace() }
        return applied
    }

    // MARK: - Failed registry

    public func failedTasks(job: String?, queue: String?, after: Int64?, limit: Int, order: FailedOrder) async throws -> [FailedTask] {
        guard limit > 0 else { return [] }
        let (sql, arguments) = Self.failedPage(job: job, queue: queue, after: after, limit: limit, order: order)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                FailedTask(
                    taskID: row["id"], job: row["job"], queue: row["queue"], kind: row["kind"], key: row["key"],
                    error: row["error"] ?? "", attempts: row["attempts"], failedAt: row["failed_at"] ?? 0)
            }
        }
    }

    /// The query of one failed page. Always bounded by id, so the first page takes the same index
    /// path as any other (migration v9 has the indexes; `SQLiteFailedPageTests` checks the plans).
    static func failedPage(
        job: String?, queue: String?, after: Int64?, limit: Int, order: FailedOrder
    ) -> (sql: String, arguments: StatementArguments) {
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
        switch order {
        case .oldestFirst:
            sql += " AND id > ? ORDER BY id LIMIT ?"
            arguments += [after ?? Int64.min]
        case .newestFirst:
            sql += " AND id < ? ORDER BY id DESC LIMIT ?"
            arguments += [after ?? Int64.max]
        }
        arguments += [limit]
        return (sql, arguments)
    }

    public func requeueFailed(job: String?, queue: String?) async throws -> Int {
        try await writer.write { db in
            var filter = "t.state = 2"
            var arguments: StatementArguments = []
            if let job {
                filter += " AND t.job = ?"
                arguments += [job]
            }
            if let queue {
                filter += " AND t.queue = ?"
                arguments += [queue]
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT t.id, t.job, t.entry_count, t.pass AS task_pass, j.pass AS job_pass
                FROM tasks t JOIN jobs j ON j.name = t.job WHERE \(filter)
                """, arguments: arguments)
            let requeue = try db.cachedStatement(sql: """
                UPDATE tasks SET state = 0, retries = 0, not_before = 0, error = NULL, failed_at = NULL, pass = ? WHERE id = ?
                """)
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            for row in rows {
                let job: String = row["job"]
                let jobPass: Int = row["job_pass"]
                try requeue.execute(arguments: [jobPass, row["id"]])
                // A failure of an earlier pass is not in this pass's counters; it simply joins this pass.
                if row["task_pass"] == jobPass {
                    deltas.add(job, Counter.tasksFailed, -1)
                    deltas.add(job, Counter.entriesFailed, -(row["entry_count"] as Int64))
                }
                deltas.add(job, Counter.tasksRetried, 1)
                pending[job, default: 0] += 1
            }
            try Self.apply(deltas, pending: pending, db: db)
            let reopen = try db.cachedStatement(sql: """
                UPDATE jobs SET state = 'running', finished_at = NULL, final_pass = NULL WHERE name = ? AND state IN ('completed', 'failed', 'stopped', 'waiting')
                """)
            for job in pending.keys { try reopen.execute(arguments: [job]) }
            return rows.count
        }
    }

    public func history(job name: String) async throws -> [JobPass] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job_passes WHERE job = ? ORDER BY pass", arguments: [name]).map(Self.pass(from:))
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

    /// Takes `count` task ids from the sequence (in the caller's transaction) and returns the first.
    static func reserveTaskIDs(_ count: Int, db: Database) throws -> Int64 {
        let reserve = try db.cachedStatement(sql: "UPDATE task_id_sequence SET last = last + ? RETURNING last")
        guard let last = try Int64.fetchOne(reserve, arguments: [count]) else {
            throw TaskIDSequenceMissing()
        }
        return last - Int64(count) + 1
    }

    /// The counter row of migration v10 is gone: the file was edited by hand.
    struct TaskIDSequenceMissing: Error, CustomStringConvertible {
        var description: String {
            "the broker database has no row in task_id_sequence; restore it with "
                + "INSERT INTO task_id_sequence SELECT COALESCE(MAX(id), 0) FROM tasks"
        }
    }

    static func insert(_ tasks: [NewTask], pass: Int, db: Database, now: Timestamp, deltas: inout CounterDeltas, pending: inout [String: Int64]) throws {
        guard !tasks.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO tasks (id, job, queue, kind, key, payload, state, not_before, max_retries, retry_delay, timeout, entry_count, error, failed_at, pass)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var nextID = try reserveTaskIDs(tasks.count, db: db)
        var dependents: [(id: Int64, task: NewTask)] = []
        for task in tasks {
            let id = nextID
            nextID += 1
            let failed = task.failedWithError != nil
            // A dependent starts blocked; it is released below once its dependencies are known.
            let state: StoredState = failed ? .failed : task.dependsOn.isEmpty ? .ready : .blocked
            try statement.execute(arguments: [
                id, task.job, task.queue, task.kind, task.key, task.payload,
                state.rawValue, task.notBefore ?? 0,
                task.retry.maxRetries, task.retry.delay, task.retry.timeout, task.entryCount,
                task.failedWithError, failed ? now : nil, pass,
            ])
            deltas.add(task.job, Counter.tasksQueued, 1)
            switch state {
            case .failed:
                deltas.add(task.job, Counter.tasksFailed, 1)
                deltas.add(task.job, Counter.entriesFailed, Int64(task.entryCount))
            case .blocked:
                dependents.append((id, task))
            case .ready, .running:
                pending[task.job, default: 0] += 1
            }
        }
        // Dependencies are resolved after the whole batch is in, so a parent may come before its children.
        let unfinished = try db.cachedStatement(sql: """
            SELECT 1 FROM tasks WHERE job = ? AND key = ? AND id != ? AND state IN (0, 1, 2, 3) LIMIT 1
            """)
        let record = try db.cachedStatement(sql: "INSERT OR IGNORE INTO task_dependencies (task_id, job, key) VALUES (?, ?, ?)")
        let release = try db.cachedStatement(sql: "UPDATE tasks SET state = 0 WHERE id = ?")
        for (id, task) in dependents {
            var waiting = false
            for key in Set(task.dependsOn) where try Bool.fetchOne(unfinished, arguments: [task.job, key, id]) ?? false {
                try record.execute(arguments: [id, task.job, key])
                waiting = true
            }
            if !waiting {
                try release.execute(arguments: [id])
                pending[task.job, default: 0] += 1
            }
        }
        let remember = try db.cachedStatement(sql: "INSERT OR IGNORE INTO queues (name) VALUES (?)")
        for queue in Set(tasks.map(\.queue)) { try remember.execute(arguments: [queue]) }
    }

    /// Removes a succeeded task's key from its dependents' sets and makes ready those whose set
    /// became empty, in the completing transaction: a parent is queued exactly once, by whichever
    /// completion was last.
    static func releaseDependents(of key: String, job: String, db: Database, pending: inout [String: Int64]) throws {
        let waiters = try db.cachedStatement(sql: "DELETE FROM task_dependencies WHERE job = ? AND key = ? RETURNING task_id")
        let dependents = try Int64.fetchAll(waiters, arguments: [job, key])
        guard !dependents.isEmpty else { return }
        let remaining = try db.cachedStatement(sql: "SELECT 1 FROM task_dependencies WHERE task_id = ? LIMIT 1")
        let release = try db.cachedStatement(sql: "UPDATE tasks SET state = 0 WHERE id = ? AND state = 3")
        for id in dependents where try Bool.fetchOne(remaining, arguments: [id]) == nil {
            try release.execute(arguments: [id])
            pending[job, default: 0] += Int64(db.changesCount)
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

    /// A job ends exactly when its last pending task ends: completed, failed (something failed) or
    /// stopped. A periodic job instead records the pass and queues the next one for its schedule.
    /// - Returns: Whether a job (or a periodic job's pass) ended, so its space can be reclaimed.
    @discardableResult
    static func finalizeIdleJobs(_ jobs: [String], db: Database, now: Timestamp) throws -> Bool {
        var ended = false
        let idle = try db.cachedStatement(sql: """
            SELECT state, schedule, pass, created_at, started_at, pass_tasks, final_tasks, final_pass FROM jobs
            WHERE name = ? AND pending <= 0 AND state IN ('queued', 'running', 'stopping')
            """)
        for job in jobs {
            guard let row = try Row.fetchOne(idle, arguments: [job]) else { continue }
            let pass: Int = row["pass"]
            if row["state"] != JobState.stopping.rawValue, let finalTasks = row["final_tasks"] as Data?, (row["final_pass"] as Int?) != pass {
                // The pass's own work is done: its final tasks run now, and the pass ends after them.
                try db.execute(sql: "UPDATE jobs SET final_pass = ? WHERE name = ?", arguments: [pass, job])
                var deltas = CounterDeltas()
                var pending: [String: Int64] = [:]
                try insert(try JSONDecoder().decode([NewTask].self, from: finalTasks), pass: pass, db: db, now: now, deltas: &deltas, pending: &pending)
                try apply(deltas, pending: pending, db: db)
                if (pending[job] ?? 0) > 0 { continue }
            }
            ended = true
            // Claims belong to one pass: the next pass walks everything afresh.
            try db.execute(sql: "DELETE FROM first_claims WHERE job = ?", arguments: [job])
            let counters = try counters(of: job, db: db)
            let endState: JobState
            if row["state"] == JobState.stopping.rawValue {
                endState = .stopped
            } else if try (counters[Counter.tasksFailed] ?? 0) > 0 || (counters[Counter.entriesFailed] ?? 0) > 0
                || blockedCount(of: job, db: db) > 0
            {
                endState = .failed
            } else {
                endState = .completed
            }
            let scheduleData: Data? = row["schedule"]
            let passTemplate: Data? = row["pass_tasks"]
            guard let scheduleData, let schedule = try? JSONDecoder().decode(JobSchedule.self, from: scheduleData) else {
                try db.execute(sql: "UPDATE jobs SET state = ?, finished_at = ? WHERE name = ?", arguments: [endState.rawValue, now, job])
                continue
            }
            let passRan = (counters[Counter.tasksDone] ?? 0) + (counters[Counter.tasksFailed] ?? 0) > 0
            if passRan {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO job_passes (job, pass, state, started_at, finished_at, counters) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [
                        job, pass, endState.rawValue, (row["started_at"] as Timestamp?) ?? (row["created_at"] as Timestamp), now,
                        try JSONEncoder().encode(counters),
                    ])
            }
            guard endState != .stopped, let passTemplate else {
                try db.execute(
                    sql: "UPDATE jobs SET state = ?, finished_at = ?, next_run_at = NULL WHERE name = ?",
                    arguments: [endState.rawValue, now, job])
                continue
            }
            let nextRun = schedule.nextRun(after: now)
            var passTasks = try JSONDecoder().decode([NewTask].self, from: passTemplate)
            for index in passTasks.indices { passTasks[index].notBefore = nextRun }
            try db.execute(sql: "DELETE FROM job_counters WHERE job = ?", arguments: [job])
            // State stays bounded however many passes run: failures of the pass before the one that
            // just ended go (the pass's summary keeps their count), and so does history past 100 passes.
            try db.execute(sql: "DELETE FROM tasks WHERE job = ? AND state = 2 AND pass < ?", arguments: [job, pass])
            // Tasks left blocked by a failure of the pass that ended would wait forever: the next
            // pass queues them afresh.
            try db.execute(sql: """
                DELETE FROM task_dependencies WHERE task_id IN (SELECT id FROM tasks WHERE job = ? AND state = 3 AND pass <= ?)
                """, arguments: [job, pass])
            try db.execute(sql: "DELETE FROM tasks WHERE job = ? AND state = 3 AND pass <= ?", arguments: [job, pass])
            try db.execute(sql: "DELETE FROM job_passes WHERE job = ? AND pass <= ?", arguments: [job, pass - 100])
            try db.execute(
                sql: """
                    UPDATE jobs SET state = 'waiting', pass = ?, next_run_at = ?, created_at = ?, started_at = NULL, finished_at = NULL
                    WHERE name = ?
                    """,
                arguments: [pass + 1, nextRun, nextRun, job])
            var deltas = CounterDeltas()
            var pending: [String: Int64] = [:]
            try insert(passTasks, pass: pass + 1, db: db, now: now, deltas: &deltas, pending: &pending)
            try apply(deltas, pending: pending, db: db)
        }
        return ended
    }

    static func info(of job: String, db: Database) throws -> (state: JobState, pass: Int, exists: Bool) {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, pass FROM jobs WHERE name = ?"), arguments: [job]) else {
            return (.stopped, 0, false)
        }
        return (JobState(rawValue: row["state"]) ?? .stopped, row["pass"], true)
    }

    static func blockedCount(of job: String, db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COUNT(*) FROM tasks WHERE job = ? AND state = 3", arguments: [job]) ?? 0
    }

    static func counters(of job: String, db: Database) throws -> [String: Int64] {
        var counters: [String: Int64] = [:]
        for counter in try Row.fetchAll(db, sql: "SELECT name, value FROM job_counters WHERE job = ?", arguments: [job]) {
            counters[counter["name"]] = counter["value"]
        }
        return counters
    }

    static func pass(from row: Row) throws -> JobPass {
        JobPass(
            pass: row["pass"], state: JobState(rawValue: row["state"]) ?? .failed, startedAt: row["started_at"],
            finishedAt: row["finished_at"], counters: try JSONDecoder().decode([String: Int64].self, from: row["counters"] as Data))
    }

    static func status(from row: Row, db: Database) throws -> JobStatus {
        let name: String = row["name"]
        let running = try Int64.fetchOne(
            db, sql: "SELECT COUNT(*) FROM tasks WHERE job = ? AND state = 1", arguments: [name]) ?? 0
        let schedule = try (row["schedule"] as Data?).map { try JSONDecoder().decode(JobSchedule.self, from: $0) }
        let lastPass = try Row.fetchOne(
            db, sql: "SELECT * FROM job_passes WHERE job = ? ORDER BY pass DESC LIMIT 1", arguments: [name]
        ).map(pass(from:))
        return JobStatus(
            name: name, kind: row["kind"], spec: row["spec"], state: JobState(rawValue: row["state"]) ?? .failed,
            createdAt: row["created_at"], startedAt: row["started_at"], finishedAt: row["finished_at"],
            pendingTasks: row["pending"], runningTasks: running, blockedTasks: try blockedCount(of: name, db: db),
            counters: try counters(of: name, db: db),
            schedule: schedule, pass: row["pass"], nextRunAt: row["next_run_at"], lastPass: lastPass)
    }
}
