import Foundation
import Hummingbird
import HummingbirdTesting
import IngestCore
import IngestEngine
import IngestRuntime
import IngestServer
import IngestTesting
import Logging
import Testing

/// A server over an embedded engine in a temporary home: the router of `ingest serve`, driven
/// without a socket, and the same runtime for running the jobs it queues.
final class ServerHarness: @unchecked Sendable {
    let home: TemporaryDirectory
    let runtime: IngestRuntime
    let broker: any Broker
    let resources: JobResources
    let server: IngestServer
    let logger = Logger(label: "ingest.test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// - Parameter configuration: the configuration file's text (tokens, resources), if any.
    init(configuration: String? = nil, additionalKinds: [any JobKind] = []) async throws {
        home = try TemporaryDirectory(prefix: "ingest-server")
        var overrides = SettingOverrides()
        if let configuration {
            let path = home.subpath("config.yaml")
            try Data(configuration.utf8).write(to: URL(fileURLWithPath: path))
            overrides.configFile = path
        }
        runtime = try IngestRuntime(settings: IngestSettings(overrides, environment: ["INGEST_HOME": home.path]), additionalKinds: additionalKinds)
        broker = try runtime.openBroker()
        resources = try await runtime.openResources(logger: logger)
        server = IngestServer(runtime: runtime, broker: broker, resources: resources, logger: logger)
    }

    func close() async { await runtime.close(resources) }

    /// A tree of `count` small files under the home, returned as its path.
    func sourceTree(files count: Int) throws -> String {
        let root = home.subpath("source")
        for index in 0..<count { try TreeBuilder.write(root, "d\(index % 3)/f\(index).txt", "file \(index)\n") }
        return root
    }

    /// Runs `body` against the router.
    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let application = Application(router: server.router(), logger: logger)
        try await application.test(.router) { client in try await body(client) }
    }

    /// Runs the job's tasks in this process until it ends.
    @discardableResult
    func runUntilEnded(_ job: String, queues: [String] = ["restart", "path", "file"]) async throws -> JobStatus {
        try await runtime.runUntilJobEnds(
            job, queues: queues, concurrency: 2, broker: broker, resources: resources, showProgress: false, logger: logger)
    }
}

extension TestResponse {
    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    var jsonList: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [[String: Any]] ?? []
    }

    var text: String { String(buffer: body) }
}

extension TestClientProtocol {
    /// `PUT /job[/name]` with a YAML (or JSON) document.
    @discardableResult
    func submit(_ document: String, name: String? = nil, contentType: String = "application/x-yaml", token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: contentType]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: name.map { "/job/\($0)" } ?? "/job", method: .put, headers: headers, body: ByteBuffer(string: document))
    }

    func get(_ uri: String, token: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: .get, headers: headers)
    }
}
