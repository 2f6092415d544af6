import Foundation
import IngestCore
import IngestTesting
import Testing

extension CommandLineTests {
    /// `ingest failed --after ID`: the next page, from the last `task_id` the previous one showed.
    @Suite struct FailedPagesCLITests {
        @Test func afterListsOnlyTheEntriesPastTheTaskIdGiven() async throws {
            let world = try CLIWorld()
            let tasks = (1...3).map { index in
                var task = NewTask(job: "j", queue: "q", kind: "test", key: "k\(index)", payload: Data())
                task.failedWithError = "broken"
                return task
            }
            try await world.broker().submit(JobDefinition(name: "j", kind: "test", spec: Data("{}".utf8)), tasks: tasks)

            let first = try #require(try await world.ingest.json(["failed", "j", "--limit", "2"]) as? [[String: Any]])
            #expect(first.map { $0["key"] as? String } == ["k1", "k2"])
            let cursor = try #require(first.last?["task_id"] as? Int)
            let next = try #require(try await world.ingest.json(["failed", "j", "--after", String(cursor)]) as? [[String: Any]])
            #expect(next.map { $0["key"] as? String } == ["k3"])
            let end = try await world.ingest.run(["failed", "j", "--after", String(cursor + 1)])
            #expect(end.status == 0 && end.stdout.contains("no failed tasks"), "\(end.stdout)\(end.stderr)")
        }
    }
}
