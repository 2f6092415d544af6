import Foundation
import IngestCore
import IngestServer
import IngestTesting
import Testing

/// The samples of a Prometheus text exposition, read back so tests can check values by name and labels.
struct Exposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let text: String
    let samples: [Sample]

    init(_ text: String) {
        self.text = text
        samples = text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#") else { return nil }
            return Self.sample(String(line))
        }
    }

    /// `name{a="x",b="y"} value` or `name value`; label values here hold no quotes or commas.
    private static func sample(_ line: String) -> Sample? {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else { return Sample(name: String(series), labels: [:], value: value) }
        var labels: [String: String] = [:]
        for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
        }
        return Sample(name: String(series[..<brace]), labels: labels, value: value)
    }

    /// The value of the one sample of `name` whose labels include `labels`; nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples(name, labels)
        return matching.count == 1 ? matching[0].value : nil
    }

    func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The sum over every sample of `name` whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples(name, labels).reduce(0) { $0 + $1.value }
    }

    /// The metric families with a `# HELP` line.
    var documentedNames: Set<String> {
        Set(text.split(separator: "\n").compactMap { line in
            line.hasPrefix("# HELP ") ? line.split(separator: " ")[2].description : nil
        })
    }
}

@Suite struct MetricsExpositionTests {
    /// Every metric Ingest exports, filled in by a real job, a collection and each kind of event.
    private func fullExposition() async throws -> String {
        let run = try await MetricsObserverTests.syncWithMetrics()
        let collector = BrokerMetricsCollector(broker: run.engine.broker, catalog: run.engine.catalog, metrics: run.metrics, logger: quietLogger())
        // A job still queued, so that the queue and job gauges hold something.
        try await run.engine.broker.submit(
            JobDefinition(name: "waiting", kind: "sync", spec: Data("{}".utf8)),
            tasks: [NewTask(job: "waiting", queue: "file", kind: "sync.file", key: "k", payload: Data())])
        #expect(await collector.collectOnce())
        run.metrics.recordBrokerError()
        run.metrics.recordCatalogError()
        MetricsObserver(metrics: run.metrics).observe(.reaped(count: 2), worker: "w")
        return run.metrics.exposition()
    }

    @Test func everyMetricHasHelpText() async throws {
        let exposition = Exposition(try await fullExposition())
        let names = Set(exposition.samples.map { sample in
            ["_bucket", "_sum", "_count"].reduce(sample.name) { name, suffix in
                name.hasSuffix(suffix) && sample.name.hasPrefix("ingest_task_duration_seconds") ? String(name.dropLast(suffix.count)) : name
            }
        })
        #expect(names.isSubset(of: exposition.documentedNames), "without HELP: \(names.subtracting(exposition.documentedNames).sorted())")
        #expect(names.isSuperset(of: [
            "ingest_tasks_claimed_total", "ingest_tasks_completed_total", "ingest_tasks_failed_total", "ingest_tasks_retried_total",
            "ingest_tasks_cancelled_total", "ingest_tasks_reaped_total", "ingest_task_duration_seconds", "ingest_queue_ready_tasks",
            "ingest_queue_running_tasks", "ingest_queue_failed_tasks", "ingest_jobs", "ingest_job_entries_done", "ingest_job_bytes_done",
            "ingest_job_tasks_remaining", "ingest_workers_live", "ingest_passes_total", "ingest_broker_errors_total",
            "ingest_catalog_errors_total",
        ]), "\(names.sorted())")
    }

    /// promtool parses the exposition and lints it (HELP on every metric, `_total` on counters, base
    /// units): exit status 0 means neither found anything.
    @Test func promtoolChecksTheExpositionClean() async throws {
        let promtool = try TestServers.environment("INGEST_TEST_PROMTOOL")
        let text = try await fullExposition()
        let result = try await PromtoolRun.checkMetrics(text, promtool: promtool)
        #expect(result.status == 0, "promtool check metrics exited \(result.status):\n\(result.output)\n--- exposition:\n\(text)")
    }
}

/// `promtool check metrics`, which reads the exposition on its standard input.
enum PromtoolRun {
    static func checkMetrics(_ text: String, promtool: String) async throws -> (status: Int32, output: String) {
        let directory = try TemporaryDirectory(prefix: "ingest-promtool")
        let input = directory.subpath("metrics.txt")
        let output = directory.subpath("output.txt")
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["check", "metrics"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
        let outputHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = outputHandle
        process.standardError = outputHandle
        try await process.runToExit()
        try outputHandle.close()
        return (process.terminationStatus, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }
}
