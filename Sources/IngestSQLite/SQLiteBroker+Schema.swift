import GRDB

extension SQLiteBroker {
    /// Task states as stored in `tasks.state`.
    enum StoredState: Int {
        case ready = 0
        case running = 1
        case failed = 2
        /// Waiting for the tasks it depends on (`task_dependencies`).
        case blocked = 3
    }

    /// Schema versions in order: a database gets each it has not had yet, once. Append new ones;
    /// never edit one that has shipped.
    static let migrations: [(name: String, sql: String)] = [
        (
            "v1",
            """
            CREATE TABLE jobs (
                name TEXT PRIMARY KEY NOT NULL,
                kind TEXT NOT NULL,
                spec BLOB NOT NULL,
                state TEXT NOT NULL,
                created_at REAL NOT NULL,
                finished_at REAL,
                pending INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE job_counters (
                job TEXT NOT NULL,
                name TEXT NOT NULL,
                value INTEGER NOT NULL,
                PRIMARY KEY (job, name)
            ) WITHOUT ROWID;
            CREATE TABLE tasks (
                id INTEGER PRIMARY KEY,
                job TEXT NOT NULL,
                queue TEXT NOT NULL,
                kind TEXT NOT NULL,
                key TEXT NOT NULL,
                payload BLOB NOT NULL,
                state INTEGER NOT NULL,
                not_before REAL NOT NULL DEFAULT 0,
                lease_deadline REAL,
                fence INTEGER NOT NULL DEFAULT 0,
                worker TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                retries INTEGER NOT NULL DEFAULT 0,
                max_retries INTEGER NOT NULL,
                retry_delay REAL NOT NULL,
                timeout REAL NOT NULL,
                entry_count INTEGER NOT NULL,
                error TEXT,
                failed_at REAL
            );
            CREATE INDEX tasks_ready ON tasks (queue, id) WHERE state = 0;
            CREATE INDEX tasks_running ON tasks (lease_deadline) WHERE state = 1;
            CREATE INDEX tasks_by_job ON tasks (job, state);
            CREATE INDEX tasks_failed ON tasks (queue, id) WHERE state = 2;
            """
        ),
        (
            "v2: periodic passes and profiles",
            """
            ALTER TABLE jobs ADD COLUMN schedule BLOB;
            ALTER TABLE jobs ADD COLUMN profile TEXT;
            ALTER TABLE jobs ADD COLUMN pass INTEGER NOT NULL DEFAULT 1;
            ALTER TABLE jobs ADD COLUMN next_run_at REAL;
            ALTER TABLE jobs ADD COLUMN pass_tasks BLOB;
            ALTER TABLE tasks ADD COLUMN pass INTEGER NOT NULL DEFAULT 1;
            CREATE TABLE job_passes (
                job TEXT NOT NULL,
                pass INTEGER NOT NULL,
                state TEXT NOT NULL,
                started_at REAL NOT NULL,
                finished_at REAL NOT NULL,
                counters BLOB NOT NULL,
                PRIMARY KEY (job, pass)
            ) WITHOUT ROWID;
            """
        ),
        (
            "v3: dependency sets, queue names",
            """
            CREATE TABLE task_dependencies (
                task_id INTEGER NOT NULL,
                job TEXT NOT NULL,
                key TEXT NOT NULL,
                PRIMARY KEY (task_id, key)
            ) WITHOUT ROWID;
            CREATE INDEX task_dependencies_by_key ON task_dependencies (job, key);
            CREATE TABLE queues (name TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;
            INSERT OR IGNORE INTO queues (name) SELECT DISTINCT queue FROM tasks;
            DROP INDEX tasks_by_job;
            CREATE INDEX tasks_by_job ON tasks (job, state, queue);
            CREATE INDEX tasks_by_key ON tasks (job, key);
            """
        ),
        (
            "v4: first claims",
            """
            CREATE TABLE first_claims (
                job TEXT NOT NULL,
                key TEXT NOT NULL,
                owner TEXT NOT NULL,
                PRIMARY KEY (job, key)
            ) WITHOUT ROWID;
            """
        ),
        (
            "v5: live workers",
            """
            CREATE TABLE workers (
                id TEXT PRIMARY KEY NOT NULL,
                record BLOB NOT NULL,
                expires_at REAL NOT NULL
            ) WITHOUT ROWID;
            """
        ),
        (
            "v6: job start times",
            """
            ALTER TABLE jobs ADD COLUMN started_at REAL;
            """
        ),
        (
            "v7: shared values",
            // `expires_at` is NULL for a value kept until deleted; the partial index lets every write
            // purge expired values with one range scan that finds nothing most of the time.
            """
            CREATE TABLE shared_values (
                job TEXT NOT NULL,
                key TEXT NOT NULL,
                value BLOB NOT NULL,
                expires_at REAL,
                PRIMARY KEY (job, key)
            ) WITHOUT ROWID;
            CREATE INDEX shared_values_expiry ON shared_values (expires_at) WHERE expires_at IS NOT NULL;
            """
        ),
        (
            "v8: final tasks of a pass",
            """
            ALTER TABLE jobs ADD COLUMN final_tasks BLOB;
            ALTER TABLE jobs ADD COLUMN final_pass INTEGER;
            """
        ),
        (
            "v9: failed registry pages",
            // Pages of the failed registry by id (`failedTasks(after:)`): without these a job's page
            // sorts all of the job's failures (`tasks_by_job` orders by queue first) and an
            // unfiltered page walks every task past the cursor. Partial, so only failed rows pay.
            // The queue's page uses `tasks_failed`, a job's queue's `tasks_by_job`.
            """
            CREATE INDEX tasks_failed_by_job ON tasks (job, id) WHERE state = 2;
            CREATE INDEX tasks_failed_by_id ON tasks (id) WHERE state = 2;
            """
        ),
        (
            // A rowid alias hands the largest id out again once its row is deleted, so a task that
            // ended as the newest gave its id, and with the first fence its very lease, to the next
            // task: the worker's books and the broker's fence took one task for the other. Ids come
            // from this counter instead and are never reused.
            "v10: task ids never reused",
            """
            CREATE TABLE task_id_sequence (last INTEGER NOT NULL);
            INSERT INTO task_id_sequence (last) SELECT COALESCE(MAX(id), 0) FROM tasks;
            """
        ),
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }
}
