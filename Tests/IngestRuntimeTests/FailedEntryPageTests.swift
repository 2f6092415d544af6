import Foundation
import IngestCore
import IngestRuntime
import IngestTesting
import Testing

/// `IngestRuntime.failedEntries`: pages with the cursor of the next one, null on the last, as the
/// REST API serves them.
@Suite struct FailedEntryPageTests {
    /// A runtime on a fresh home, and its broker holding five failures of job `j` on queue `l2`.
    private func fiveFailures(_ home: TemporaryDirectory) async throws -> (IngestRuntime, any Broker) {
        let runtime = try IngestRuntime(settings: IngestSettings(environment: ["INGEST_HOME": home.path]))
        let broker = try runtime.openBroker()
        let tasks = (1...5).map { index in
            var task = NewTask(job: "j", queue: "l2", kind: "test", key: "k\(index)", payload: Data())
            task.failedWithError = "broken"
            return task
        }
        try await broker.submit(JobDefinition(name: "j", kind: "test", spec: Data("{}".utf8)), tasks: tasks)
        return (runtime, broker)
    }

    @Test func pagesCarryTheNextCursorUntilTheLastOne() async throws {
        let home = try TemporaryDirectory()
        let (runtime, broker) = try await fiveFailures(home)
        var keys: [[String]] = []
        var cursors: [Int64?] = []
        var after: Int64?
        repeat {
            let page = try await runtime.failedEntries(jobOrQueue: "j", after: after, limit: 2, broker: broker)
            keys.append(page.entries.map(\.key))
            cursors.append(page.nextCursor)
            #expect(page.nextCursor == nil || page.nextCursor == page.entries.last?.taskId)
            after = page.nextCursor
        } while after != nil && keys.count < 10
        #expect(keys == [["k1", "k2"], ["k3", "k4"], ["k5"]])
        #expect(cursors.map { $0 == nil } == [false, false, true])

        // A page that ends exactly at the last entry says it is the last.
        #expect(try await runtime.failedEntries(jobOrQueue: "j", limit: 5, broker: broker).nextCursor == nil)
        let byQueue = try await runtime.failedEntries(jobOrQueue: "l2", limit: 4, order: .newestFirst, broker: broker)
        #expect(byQueue.entries.map(\.key) == ["k5", "k4", "k3", "k2"])
        #expect(byQueue.nextCursor == byQueue.entries.last?.taskId)
    }

    @Test func aPageIsSnakeCaseJSONWithANullCursorAtTheEnd() async throws {
        let home = try TemporaryDirectory()
        let (runtime, broker) = try await fiveFailures(home)
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let last = try await runtime.failedEntries(jobOrQueue: "j", after: nil, limit: 10, broker: broker)
        let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(last)) as? [String: Any])
        #expect(object.keys.sorted() == ["entries", "next_cursor"])
        #expect(object["next_cursor"] is NSNull)
        #expect((object["entries"] as? [[String: Any]])?.first?["task_id"] != nil)

        let first = try await runtime.failedEntries(jobOrQueue: "j", after: nil, limit: 1, broker: broker)
        let firstObject = try #require(try JSONSerialization.jsonObject(with: encoder.encode(first)) as? [String: Any])
        #expect((firstObject["next_cursor"] as? NSNumber)?.int64Value == first.entries.first?.taskId)
    }
}
