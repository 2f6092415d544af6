import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import Synchronization
import Testing

/// Counts the tasks it runs; each succeeds at once.
private final class CountingHandler: TaskHandler {
    let kind = "test"
    let runs = Mutex(0)

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        runs.withLock { $0 += 1 }
        return TaskResult(counters: [Counter.entriesCreated: 1])
    }
}

/// A task stored with a timeout or delay no worker can turn into a deadline (`--timeout 1e308`,
/// written by an older version or straight into the broker) fails for good with a message, instead
/// of crashing every worker that claims it; a worker given such a lease refuses to start.
@Suite struct OutOfRangeTaskSettingsTests {
    private func worker(_ broker: any Broker, _ handler: CountingHandler, lease: Double = 5) -> Worker {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Worker(
            broker: broker, handlers: [handler],
            configuration: WorkerConfiguration(queues: ["q"], concurrency: 2, leaseDuration: lease, stopWhenJobEnds: "job"),
            logger: logger)
    }

    @Test(arguments: [
        (RetryPolicy(maxRetries: 0, delay: 0, timeout: 1e308), "timeout"),
        (RetryPolicy(maxRetries: 0, delay: 0, timeout: .infinity), "timeout"),
        (RetryPolicy(maxRetries: 0, delay: 0, timeout: -1), "timeout"),
        (RetryPolicy(maxRetries: 3, delay: 1e300, timeout: 60), "retry delay"),
        (RetryPolicy(maxRetries: 3, delay: -5, timeout: 60), "retry delay"),
    ])
    func taskWithAnOutOfRangeSettingFailsPermanentlyAndTheOthersRun(_ retry: RetryPolicy, _ setting: String) async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "bad", retry: retry), .test(key: "good")])
        let handler = CountingHandler()
        try await worker(subject.broker, handler).run()
        #expect(handler.runs.withLock { $0 } == 1, "only the good task ran")
        let status = try #require(try await subject.broker.job(named: "job"))
        #expect(status.state == .failed)
        #expect(status.tasksFailed == 1)
        #expect(status.counter(Counter.tasksRetried) == 0, "an out-of-range task is not retried")
        let failed = try await subject.broker.failedTasks(job: "job", queue: nil, limit: 5)
        let error = try #require(failed.first?.error)
        #expect(error.contains(setting) && (error.contains("out of range") || error.contains("not a number")), "\(error)")
        #expect(error.contains("--timeout and --delay"), "the message says how to fix it: \(error)")
    }

    @Test(arguments: [Double.nan, .infinity, 1e300, 0, -1])
    func workerWithAnOutOfRangeLeaseRefusesToStartAndClaimsNothing(_ lease: Double) async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "good")])
        let handler = CountingHandler()
        let error = await #expect(throws: InvalidWorkerConfiguration.self) {
            try await worker(subject.broker, handler, lease: lease).run()
        }
        #expect(error?.description.contains("--lease_seconds") == true, "\(String(describing: error))")
        #expect(handler.runs.withLock { $0 } == 0)
        let claimed = try await subject.broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "check")
        #expect(claimed.count == 1, "the task was left on its queue, not held under a lease that never ends")
    }
}
