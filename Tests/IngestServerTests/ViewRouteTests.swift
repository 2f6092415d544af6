import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestRuntime
import IngestServer
import IngestTesting
import Testing

/// A kind whose every task fails for good: failed entries to page through and requeue.
struct CountedFailingKind: JobKind {
    struct Spec: Codable { var tasks: Int }

    var name: String { "failing" }
    var taskKinds: [String] { ["failing.step"] }

    func handlers(_ resources: JobResources) -> [any TaskHandler] { [Handler()] }

    func prepare(_ request: JobRequest, resources: JobResources) async throws -> (JobDefinition, [NewTask]) {
        let spec = try JSONDecoder().decode(Spec.self, from: request.spec)
        let tasks = (0..<spec.tasks).map { index in
            NewTask(job: request.name, queue: "failing", kind: "failing.step", key: "entry \(index)", payload: Data(), retry: .default)
        }
        return (JobDefinition(name: request.name, kind: name, spec: request.spec), tasks)
    }

    func priority(ofQueue queue: String) -> Int? { queue == "failing" ? 1 : nil }

    func report(_ status: JobStatus, queues: [String: QueueCounts]) -> JobReport { JobReport(summary: "fails on purpose") }

    struct Handler: TaskHandler {
        var kind: String { "failing.step" }
        func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
            throw PermanentTaskError("\(task.key) cannot be read: <disk on fire>")
        }
    }
}

@Suite struct ViewRouteTests {
    private func failedJob(_ harness: ServerHarness, tasks: Int) async throws {
        try await harness.runtime.submit(
            JobRequest(name: "broken", kind: "failing", spec: Data(#"{"tasks": \#(tasks)}"#.utf8)), broker: harness.broker,
            resources: harness.resources)
        try await harness.runUntilEnded("broken", queues: ["failing"])
    }

    @Test func failedEntriesArePagedWithTheirErrorsAndEachComesOnce() async throws {
        let harness = try await ServerHarness(additionalKinds: [CountedFailingKind()])
        try await failedJob(harness, tasks: 25)
        try await harness.test { client in
            var keys: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await client.get("/job/broken/failed?limit=10" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(page.status == .ok)
                let entries = page.json["entries"] as? [[String: Any]] ?? []
                keys += entries.compactMap { $0["key"] as? String }
                #expect(entries.allSatisfy { ($0["error"] as? String)?.contains("<disk on fire>") == true })
                cursor = (page.json["next_cursor"] as? Int).map(String.init)
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(keys.sorted() == (0..<25).map { "entry \($0)" }.sorted())
            let unknown = try await client.get("/job/nobody/failed")
            #expect(unknown.status == .notFound)
        }
        await harness.close()
    }

    @Test func requeuePutsTheFailedTasksBackOnTheirQueue() async throws {
        let harness = try await ServerHarness(additionalKinds: [CountedFailingKind()])
        try await failedJob(harness, tasks: 4)
        try await harness.test { client in
            let response = try await client.execute(uri: "/job/broken/requeue", method: .post)
            #expect(response.status == .ok)
            #expect(response.json["requeued"] as? Int == 4)
            let queues = try await client.get("/queues")
            let failing = queues.jsonList.first { $0["queue"] as? String == "failing" }
            #expect(failing?["ready"] as? Int == 4)
            #expect(failing?["failed"] as? Int == 0)
            #expect(failing?["jobs"] as? [String] == ["broken"])
        }
        await harness.close()
    }

    @Test func aGraphJobShowsItsLayersAndASyncJobHasNone() async throws {
        let harness = try await ServerHarness()
        let source = try harness.sourceTree(files: 1)
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/a\n", name: "plain")
            let layers = try await client.get("/job/plain/layers")
            #expect(layers.status == .conflict)
            #expect((layers.json["detail"] as? String)?.contains("not a graph") == true)
            let missing = try await client.get("/job/none/layers")
            #expect(missing.status == .notFound)
        }
        await harness.close()
    }

    @Test func theCatalogIsBrowsedAPageAtATime() async throws {
        let harness = try await ServerHarness()
        let source = harness.home.subpath("flat")
        for index in 0..<12 { try TreeBuilder.write(source, String(format: "f%02d", index), "x") }
        try await harness.test { client in
            try await client.submit("root: \(source)\ntarget: /zone/flat\n", name: "flat")
            try await harness.runUntilEnded("flat")
            let first = try await client.get("/catalog/ls?path=/zone/flat&limit=5")
            #expect((first.json["entries"] as? [[String: Any]])?.count == 5)
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await client.get("/catalog/ls?path=/zone/flat&limit=5&cursor=\(cursor)")
            let third = try await client.get("/catalog/ls?path=/zone/flat&limit=5&cursor=\(try #require(second.json["next_cursor"] as? String))")
            let paths = [first, second, third].flatMap { ($0.json["entries"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String } }
            #expect(paths == (0..<12).map { String(format: "/zone/flat/f%02d", $0) })
            #expect(third.json["next_cursor"] is NSNull)
            let object = try await client.get("/catalog/stat?path=/zone/flat/f03")
            #expect(object.json["kind"] as? String == "data_object")
            #expect((object.json["replicas"] as? [[String: Any]])?.first?["physical_path"] as? String == source + "/f03")
            let collection = try await client.get("/catalog/stat?path=/zone/flat")
            #expect(collection.json["kind"] as? String == "collection")
        }
        await harness.close()
    }

    @Test func workersAndResourcesAreListed() async throws {
        let harness = try await ServerHarness(configuration: "resources:\n  - name: archive\n    type: vault\n    path: /tmp/ingest-archive-vault\n")
        try await harness.test { client in
            let workers = try await client.get("/workers")
            #expect(workers.status == .ok)
            #expect(workers.jsonList.isEmpty)
            let resources = try await client.get("/resources")
            #expect(resources.jsonList.contains { $0["name"] as? String == "archive" && $0["objects"] as? Int == 0 })
        }
        await harness.close()
    }

    @Test func theOpenAPIDocumentIsServedAndNamesEveryRoute() async throws {
        let harness = try await ServerHarness()
        try await harness.test { client in
            let response = try await client.get("/openapi.json")
            #expect(response.status == .ok)
            let paths = try #require(response.json["paths"] as? [String: [String: Any]])
            #expect(harness.server.apiRoutes.count >= 17)
            for route in harness.server.apiRoutes {
                let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
                #expect(paths[parts[1]]?[parts[0].lowercased()] != nil, "\(route) is not in the OpenAPI document")
            }
        }
        await harness.close()
    }
}
