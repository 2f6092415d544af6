import Foundation
import IngestCore
import IngestEngine
import IngestRuntime
import IngestSync
import IngestTesting
import Logging
import Testing

/// A kind that exists only in these tests: it counts down from `n`, one task per step, each step
/// spawning the next. It shows that a kind is added without editing the runtime or the CLI.
private struct CountdownKind: JobKind {
    struct Spec: Codable { var from: Int }

    var name: String { "countdown" }
    var taskKinds: [String] { ["countdown.step"] }

    func handlers(_ resources: JobResources) -> [any TaskHandler] { [StepHandler()] }

    func prepare(_ request: JobRequest, resources: JobResources) async throws -> (JobDefinition, [NewTask]) {
        let spec = try JSONDecoder().decode(Spec.self, from: request.spec)
        guard spec.from >= 1 else { throw IngestError.invalidOption(name: "from", reason: "must be at least 1, got \(spec.from)") }
        return (JobDefinition(name: request.name, kind: name, spec: request.spec), [Self.step(spec.from, job: request.name)])
    }

    func priority(ofQueue queue: String) -> Int? { queue == "countdown" ? 100 : nil }

    func report(_ status: JobStatus, queues: [String: QueueCounts]) -> JobReport {
        let spec = try? JSONDecoder().decode(Spec.self, from: status.spec)
        return JobReport(summary: "counting down from \(spec?.from ?? 0)", details: [.init("from", "\(spec?.from ?? 0)")])
    }

    static func step(_ value: Int, job: String) -> NewTask {
        NewTask(job: job, queue: "countdown", kind: "countdown.step", key: "step \(value)", payload: Data("\(value)".utf8), retry: .default)
    }

    struct StepHandler: TaskHandler {
        var kind: String { "countdown.step" }
        func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
            let value = Int(String(decoding: task.payload, as: UTF8.self)) ?? 0
            var result = TaskResult(counters: ["steps": 1])
            if value > 1 { result.spawned.append(CountdownKind.step(value - 1, job: task.job)) }
            return result
        }
    }
}

/// A kind that wrongly claims a task kind sync already runs.
private struct ClashingKind: JobKind {
    var name: String
    var taskKinds: [String]
    var legacyTaskKinds: [String: String] = [:]
    func handlers(_ resources: JobResources) -> [any TaskHandler] { [] }
    func prepare(_ request: JobRequest, resources: JobResources) async throws -> (JobDefinition, [NewTask]) { throw CancellationError() }
    func report(_ status: JobStatus, queues: [String: QueueCounts]) -> JobReport { JobReport(summary: "") }
}

@Suite struct JobKindRegistryTests {
    private func settings(_ home: TemporaryDirectory) throws -> IngestSettings {
        try IngestSettings(environment: ["INGEST_HOME": home.path])
    }

    private let logger = Logger(label: "ingest.test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aKindDefinedOnlyInTheTestsRunsEndToEndThroughTheRegistry() async throws {
        let home = try TemporaryDirectory()
        let runtime = try IngestRuntime(settings: settings(home), additionalKinds: [CountdownKind()])
        let broker = try runtime.openBroker()
        let status = try await runtime.withResources { resources in
            try await runtime.submit(
                JobRequest(name: "launch", kind: "countdown", spec: Data(#"{"from": 5}"#.utf8)), broker: broker, resources: resources)
            return try await runtime.runUntilJobEnds(
                "launch", queues: [], concurrency: 2, broker: broker, resources: resources, showProgress: false, logger: logger)
        }
        #expect(status.state == .completed)
        #expect(status.counter("steps") == 5)
        let summary = try #require(try await runtime.jobSummaries(broker: broker).first { $0.name == "launch" })
        #expect(summary.kind == "countdown")
        #expect(summary.description == "counting down from 5")
        #expect(summary.details["from"] == "5")
    }

    @Test func aKindsOwnSpecErrorIsRaisedBeforeAnythingIsQueued() async throws {
        let home = try TemporaryDirectory()
        let runtime = try IngestRuntime(settings: settings(home), additionalKinds: [CountdownKind()])
        let broker = try runtime.openBroker()
        await #expect(throws: IngestError.invalidOption(name: "from", reason: "must be at least 1, got 0")) {
            try await runtime.withResources { resources in
                try await runtime.submit(
                    JobRequest(name: "bad", kind: "countdown", spec: Data(#"{"from": 0}"#.utf8)), broker: broker, resources: resources)
            }
        }
        #expect(try await broker.job(named: "bad") == nil)
    }

    @Test func anUnknownKindIsNamedWithTheKnownOnes() async throws {
        let home = try TemporaryDirectory()
        let runtime = try IngestRuntime(settings: settings(home))
        let broker = try runtime.openBroker()
        let error = await #expect(throws: JobKindError.self) {
            try await runtime.withResources { resources in
                try await runtime.submit(JobRequest(name: "x", kind: "harvest", spec: Data("{}".utf8)), broker: broker, resources: resources)
            }
        }
        #expect(error?.description == "no job kind is named 'harvest'; known kinds: sync, graph")
    }

    @Test func twoKindsClaimingOneTaskKindAreRefused() throws {
        let sync = SyncJobKind()
        #expect(throws: JobKindError.duplicateTaskKind(SyncTaskKind.path, kinds: ["sync", "copycat"])) {
            _ = try JobKindRegistry([sync, ClashingKind(name: "copycat", taskKinds: [SyncTaskKind.path])])
        }
        // The bare names of tasks queued before the namespaces belong to sync too.
        #expect(throws: JobKindError.duplicateTaskKind("file", kinds: ["sync", "copycat"])) {
            _ = try JobKindRegistry([sync, ClashingKind(name: "copycat", taskKinds: ["copycat.file"], legacyTaskKinds: ["file": "copycat.file"])])
        }
        #expect(throws: JobKindError.duplicateKind("sync")) {
            _ = try JobKindRegistry([sync, ClashingKind(name: "sync", taskKinds: ["other.task"])])
        }
        let message = JobKindError.duplicateTaskKind("sync.path", kinds: ["sync", "copycat"]).description
        #expect(message.contains("'sync' and 'copycat'") && message.contains("<kind>.<task>"))
    }

    @Test func aWorkerOnEveryQueueTakesTheKindsRankedQueuesFirst() throws {
        let home = try TemporaryDirectory()
        let runtime = try IngestRuntime(settings: settings(home), additionalKinds: [CountdownKind()])
        #expect(runtime.kinds.order(["file", "l2", "countdown", "path", "l4"]) == ["countdown", "l4", "l2", "file", "path"])
    }

    /// Tasks a version before the namespaces queued (`restart`, `path`, `file`) still run.
    @Test func aSyncQueuedUnderTheOldTaskKindNamesStillRuns() async throws {
        let home = try TemporaryDirectory()
        let source = try TemporaryDirectory()
        try TreeBuilder.write(source.path, "a.txt", "a")
        try TreeBuilder.write(source.path, "sub/b.txt", "b")
        let runtime = try IngestRuntime(settings: settings(home))
        let broker = try runtime.openBroker()
        let target = "/tempZone/home/rods/old"
        let spec = SyncSpec(source: source.path, target: target)
        let specJSON = try JSONEncoder().encode(spec)
        // What the previous version stored: the job and its restart task under the bare name.
        try await broker.submit(
            JobDefinition(name: "old", kind: "sync", spec: specJSON),
            tasks: [NewTask(job: "old", queue: "restart", kind: "restart", key: source.path, payload: specJSON, retry: .default)])
        let (status, objects) = try await runtime.withResources { resources in
            let status = try await runtime.runUntilJobEnds(
                "old", queues: ["restart", "path", "file"], concurrency: 2, broker: broker, resources: resources, showProgress: false,
                logger: logger)
            return (status, try await resources.catalog.kind(of: "\(target)/sub/b.txt"))
        }
        #expect(status.state == .completed)
        #expect(objects == .dataObject)
    }
}
