import Foundation
import GRDB
import IngestCore
@testable import IngestSQLite
import IngestTesting
import Testing

@Suite struct SQLiteTaskIDTests {
    /// A state file written before task ids had their own sequence goes on from its largest id, so
    /// a lease a worker still holds from before the upgrade can never name a new task.
    @Test func aStateFileOfThePreviousVersionContinuesFromItsLargestTaskID() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("state.sqlite")
        let previous = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        for migration in SQLiteBroker.migrations.prefix(while: { !$0.name.hasPrefix("v10") }) {
            migrator.registerMigration(migration.name) { try $0.execute(sql: migration.sql) }
        }
        try migrator.migrate(previous)
        try await previous.write { db in
            try db.execute(sql: "INSERT INTO jobs (name, kind, spec, state, created_at) VALUES ('old', 'test', X'7B7D', 'running', 1)")
            try db.execute(sql: """
                INSERT INTO tasks (id, job, queue, kind, key, payload, state, max_retries, retry_delay, timeout, entry_count)
                VALUES (30, 'old', 'q', 'test', 'k', X'', 0, 0, 0, 60, 1)
                """)
        }
        try previous.close()

        let broker = try SQLiteBroker(path: path)
        let old = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        _ = try await broker.finish([TaskCompletion(lease: old.lease, outcome: .succeeded, spawned: [.test(job: "old", key: "next")])])
        let next = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        #expect(old.lease.taskID == 30)
        #expect(next.lease.taskID == 31)
    }
}
