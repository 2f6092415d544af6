import Foundation
import IngestCore
import IngestRuntime
import IngestTesting
import Testing

/// A real `ingest worker --metrics-port` process, scraped by a real Prometheus server.
@Suite struct MetricsPrometheusTests {
    @Test func prometheusScrapesTheTasksAWorkerRan() async throws {
        let prometheus = try TestServers.environment("INGEST_TEST_PROMETHEUS")
        let promtool = try TestServers.environment("INGEST_TEST_PROMTOOL")
        let home = try TemporaryDirectory(prefix: "ingest-home")
        let source = try TemporaryDirectory(prefix: "ingest-source")
        try TreeBuilder.grid(source.path, directories: 4, filesPerDirectory: 6)
        let ingest = IngestProcess(home: home.path)
        let started = try await ingest.run(["start", source.path, "/tempZone/home/rods/data", "--job_name", "scraped", "--files_per_task", "2"])
        try #require(started.status == 0, "\(started.stderr)")

        let token = "prometheus-scrape-token"
        let tokenFile = home.subpath("metrics-token")
        try "\(token)\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let metricsPort = try TestServers.freeLoopbackPort()
        let worker = try await ingest.launchStartedWorker([
            "-Q", "restart,path,file", "-c", "2", "--metrics-port", "\(metricsPort)", "--metrics-token-file", tokenFile,
        ])
        defer { ChildProcess.end(worker) }

        let broker = try IngestSettings(environment: ["INGEST_HOME": home.path]).openBroker(readOnly: true)
        let status = try await Poll.until("the job ends") { try await broker.job(named: "scraped").flatMap { $0.state.isTerminal ? $0 : nil } }
        #expect(status.state == .completed)
        let tasksRun = status.counter(Counter.tasksDone)
        #expect(tasksRun > 0)

        // The worker's own exposition: refused without the token, clean for promtool with it.
        let metricsURL = "http://127.0.0.1:\(metricsPort)/metrics"
        let refused = try await Poll.until("the metrics server answers") { try? await Curl.get(metricsURL) }
        #expect(refused.status == 401)
        let scraped = try await Curl.get(metricsURL, bearer: token)
        #expect(scraped.status == 200)
        let check = try await PromtoolRun.checkMetrics(scraped.body, promtool: promtool)
        #expect(check.status == 0, "promtool: \(check.output)\n--- exposition:\n\(scraped.body)")

        let server = try PrometheusServer(binary: prometheus, target: "127.0.0.1:\(metricsPort)", tokenFile: tokenFile)
        defer { server.stop() }
        let up = try await Poll.until("Prometheus scraped the worker; its log:\n\(server.log())") {
            try? await server.query("up").first
        }
        #expect(up == 1, "the scrape succeeded, with the token")
        let completed = try await Poll.until("Prometheus has the counters") {
            try? await server.query("sum(ingest_tasks_completed_total)").first
        }
        #expect(completed == Double(tasksRun), "every task the job ran")
        #expect(try await server.query(#"sum(ingest_tasks_completed_total{kind="sync",queue="file"})"#) == [12])
    }
}

/// A Prometheus server on a free loopback port, scraping one target every second.
final class PrometheusServer {
    let port: Int
    private let process: Process
    private let directory: TemporaryDirectory

    init(binary: String, target: String, tokenFile: String) throws {
        directory = try TemporaryDirectory(prefix: "ingest-prometheus")
        port = try TestServers.freeLoopbackPort()
        let configuration = directory.subpath("prometheus.yml")
        try """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: ingest
                metrics_path: /metrics
                authorization: {type: Bearer, credentials_file: '\(tokenFile)'}
                static_configs: [{targets: ['\(target)']}]

            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        let logPath = directory.subpath("prometheus.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "--config.file=\(configuration)", "--storage.tsdb.path=\(directory.subpath("tsdb"))",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        // A file, not a pipe: a pipe nobody reads would block the server, and keep `swift test` waiting.
        process.standardInput = FileHandle.nullDevice
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try ChildProcesses.launch(process)
    }

    func log() -> String {
        (try? String(contentsOfFile: directory.subpath("prometheus.log"), encoding: .utf8)) ?? ""
    }

    /// The values of an instant query's result vector.
    func query(_ promQL: String) async throws -> [Double] {
        let response = try await Curl.get("http://127.0.0.1:\(port)/api/v1/query", query: promQL)
        guard response.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { throw UnexpectedAnswer(text: "\(response.status) \(response.body)") }
        return result.compactMap { ($0["value"] as? [Any])?.last as? String }.compactMap(Double.init)
    }

    func stop() {
        ChildProcess.end(process)
    }

    struct UnexpectedAnswer: Error, CustomStringConvertible {
        var text: String
        var description: String { "Prometheus answered: \(text)" }
    }
}

/// HTTP requests through the curl command.
enum Curl {
    struct Response {
        var status: Int
        var body: String
    }

    static func get(_ url: String, bearer: String? = nil, query: String? = nil) async throws -> Response {
        let directory = try TemporaryDirectory(prefix: "ingest-curl")
        let bodyPath = directory.subpath("body")
        let statusPath = directory.subpath("status")
        _ = FileManager.default.createFile(atPath: statusPath, contents: nil)
        var arguments = ["-s", "--max-time", "10", "-o", bodyPath, "-w", "%{http_code}"]
        if let bearer { arguments += ["-H", "Authorization: Bearer \(bearer)"] }
        if let query { arguments += ["--get", "--data-urlencode", "query=\(query)"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments + [url]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: statusPath))
        process.standardError = FileHandle.nullDevice
        defer { ChildProcess.end(process) }
        try await process.runToExit()
        guard process.terminationStatus == 0 else { throw CurlFailed(url: url, status: process.terminationStatus) }
        let status = Int((try? String(contentsOfFile: statusPath, encoding: .utf8)) ?? "") ?? 0
        return Response(status: status, body: (try? String(contentsOfFile: bodyPath, encoding: .utf8)) ?? "")
    }

    struct CurlFailed: Error, CustomStringConvertible {
        var url: String
        var status: Int32
        var description: String { "curl \(url) exited \(status)" }
    }
}

enum ChildProcess {
    /// Ends a process the test started: SIGTERM, then SIGKILL if it is still there after 30 s.
    static func end(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        for _ in 0..<1500 where process.isRunning { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

enum Poll {
    struct GaveUp: Error, CustomStringConvertible {
        var description: String
    }

    /// Calls `attempt` until it gives a value, for at most `timeout`; the timeout is a safety net
    /// against a hang, not an assertion on speed.
    static func until<Value>(_ what: @autoclosure () -> String, timeout: Duration = .seconds(120), _ attempt: () async throws -> Value?) async throws -> Value {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await attempt() { return value }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw GaveUp(description: "gave up waiting for \(what())")
    }
}
