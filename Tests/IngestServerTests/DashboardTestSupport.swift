import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestTesting

/// A kind that exists only in these tests: one task per key of its spec, each failing for good
/// with the spec's error text (and the key), so a job fills the failed registry on demand.
struct FailingKind: JobKind {
    struct Spec: Codable {
        var keys: [String]
        var error: String
    }

    var name: String { "failing" }
    var taskKinds: [String] { ["failing.step"] }

    func handlers(_ resources: JobResources) -> [any TaskHandler] { [StepHandler()] }

    func prepare(_ request: JobRequest, resources: JobResources) async throws -> (JobDefinition, [NewTask]) {
        let spec = try JSONDecoder().decode(Spec.self, from: request.spec)
        let tasks = spec.keys.map { key in
            NewTask(job: request.name, queue: "failing", kind: "failing.step", key: key, payload: Data(spec.error.utf8), retry: .default)
        }
        return (JobDefinition(name: request.name, kind: name, spec: request.spec), tasks)
    }

    func report(_ status: JobStatus, queues: [String: QueueCounts]) -> JobReport {
        JobReport(summary: "fails on purpose")
    }

    struct StepHandler: TaskHandler {
        var kind: String { "failing.step" }
        func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
            throw PermanentTaskError("\(String(decoding: task.payload, as: UTF8.self)) (\(task.key))")
        }
    }
}

extension ServerHarness {
    /// A harness whose runtime also knows `FailingKind`.
    static func withFailingKind(configuration: String? = nil) async throws -> ServerHarness {
        try await ServerHarness(configuration: configuration, additionalKinds: [FailingKind()])
    }

    /// Submits a `FailingKind` job and runs it until every task has failed.
    func failedJob(_ name: String, keys: [String], error: String = "disk on fire") async throws {
        let spec = try JSONEncoder().encode(FailingKind.Spec(keys: keys, error: error))
        try await runtime.submit(JobRequest(name: name, kind: "failing", spec: spec), broker: broker, resources: resources)
        try await runUntilEnded(name, queues: ["failing"])
    }
}

extension TestClientProtocol {
    /// A GET as a browser sends it: it accepts HTML, and carries the dashboard cookie when given.
    func browse(_ uri: String, cookie: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.accept: "text/html,application/xhtml+xml,*/*;q=0.8"]
        if let cookie { headers[.cookie] = cookie }
        return try await execute(uri: uri, method: .get, headers: headers)
    }

    /// A dashboard form's POST: from this server's page (`Origin` of the test client's host)
    /// unless `origin` says otherwise.
    func postForm(_ uri: String, origin: String? = "http://localhost", cookie: String? = nil, token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .accept: "text/html"]
        if let origin { headers[.origin] = origin }
        if let cookie { headers[.cookie] = cookie }
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: ""))
    }
}
