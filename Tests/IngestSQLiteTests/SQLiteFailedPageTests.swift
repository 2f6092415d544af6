import Foundation
import GRDB
import IngestCore
@testable import IngestSQLite
import IngestTesting
import Testing

/// Pages of the embedded failed registry read an index in id order, in a new state file and in
/// one the previous version made.
@Suite struct SQLiteFailedPageTests {
    private static let filters: [(job: String?, queue: String?)] = [(nil, nil), ("j", nil), (nil, "q"), ("j", "q")]

    /// `EXPLAIN QUERY PLAN` of the page query for every filter and order, one text per query.
    private func plans(_ path: String) throws -> [String] {
        let reader = try DatabaseQueue(path: path)
        defer { try? reader.close() }
        return try reader.read { db in
            try Self.filters.flatMap { filter in
                try FailedOrder.allCases.map { order in
                    let (sql, arguments) = SQLiteBroker.failedPage(job: filter.job, queue: filter.queue, after: 5, limit: 50, order: order)
                    let details = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
                    return "job \(filter.job ?? "any"), queue \(filter.queue ?? "any"), \(order): " + details.joined(separator: "; ")
                }
            }
        }
    }

    /// A page stops after `limit` rows only when the index hands them over in id order: a sort
    /// (`TEMP B-TREE`) reads all of the job's failures first, the table's own order every task.
    private func expectIndexedPages(_ plans: [String]) {
        #expect(plans.count == 8)
        for plan in plans {
            #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
            #expect(plan.contains("USING INDEX tasks_failed") || plan.contains("USING INDEX tasks_by_job"), "\(plan)")
        }
    }

    @Test func everyPageQueryReadsAFailedIndexInIdOrder() throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("state.sqlite")
        _ = try SQLiteBroker(path: path)
        try expectIndexedPages(plans(path))
    }

    @Test func aStateFileOfThePreviousVersionGetsTheIndexesAndKeepsItsFailures() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.subpath("state.sqlite")
        // The schema as the previous version left it (every migration before v9), with failures in it.
        let previous = try DatabaseQueue(path: path)
        var migrator = DatabaseMigrator()
        for migration in SQLiteBroker.migrations.prefix(while: { !$0.name.hasPrefix("v9") }) {
            migrator.registerMigration(migration.name) { try $0.execute(sql: migration.sql) }
        }
        try migrator.migrate(previous)
        try await previous.write { db in
            try db.execute(sql: "INSERT INTO jobs (name, kind, spec, state, created_at) VALUES ('j', 'test', X'7B7D', 'failed', 1)")
            for id in 1...30 {
                try db.execute(
                    sql: """
                        INSERT INTO tasks (id, job, queue, kind, key, payload, state, max_retries, retry_delay, timeout, entry_count, error, failed_at)
                        VALUES (?, 'j', ?, 'test', ?, X'', 2, 0, 0, 60, 1, 'broken', 1)
                        """,
                    arguments: [id, id % 2 == 0 ? "q" : "r", "k\(id)"])
            }
        }
        try previous.close()
        #expect(try plans(path).contains { $0.contains("TEMP B-TREE") }, "the previous schema sorts a job's failures")

        let broker = try SQLiteBroker(path: path)
        try expectIndexedPages(plans(path))
        let page = try await broker.failedTasks(job: "j", queue: nil, after: 10, limit: 5)
        #expect(page.map(\.taskID) == [11, 12, 13, 14, 15])
        let newest = try await broker.failedTasks(job: "j", queue: "q", after: nil, limit: 3, order: .newestFirst)
        #expect(newest.map(\.key) == ["k30", "k28", "k26"])
    }
}
