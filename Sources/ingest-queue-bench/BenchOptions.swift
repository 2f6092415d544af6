import ArgumentParser
import Foundation
import IngestCore
import IngestRedis
import Logging

/// Options every subcommand shares: which Redis, which job, which queue.
struct BenchOptions: ParsableArguments {
    @Option(help: "Redis URL (default: redis://127.0.0.1:6379/0).")
    var redis: String = "redis://127.0.0.1:6379/0"

    @Option(help: "Job name (default: queue-bench).")
    var job: String = "queue-bench"

    @Option(help: "Queue the tasks go on (default: bench).")
    var queue: String = "bench"

    @Option(name: .customLong("key-prefix"), help: "Key prefix of Ingest's keys (default: ingest:).")
    var keyPrefix: String = "ingest:"

    /// A broker on its own connection; the caller closes it.
    func openBroker() throws -> RedisBroker {
        RedisBroker(url: try RedisURL(parsing: redis), keyPrefix: keyPrefix)
    }

    static let noopKind = "noop"
}

/// The benchmark's task: does nothing, so what is measured is the queue.
struct NoopHandler: TaskHandler {
    let kind = BenchOptions.noopKind

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        TaskResult()
    }
}

/// Seconds on a monotonic clock, for intervals inside one process.
func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// Warnings and errors only: the benchmark's own output is on stdout.
func benchLogger(_ label: String) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .warning
    return logger
}
