import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import Synchronization
import Testing

/// Succeeds, fails once then succeeds, or fails for good, by task key.
private final class OutcomeHandler: TaskHandler {
    let kind = "test"
    let attempts = Mutex<[String: Int]>([:])

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        let attempt = attempts.withLock { $0[task.key, default: 0] += 1; return $0[task.key]! }
        switch task.key {
        case "flaky" where attempt == 1: throw CancellationErrorStandIn()
        case "broken": throw PermanentTaskError("bad input")
        default: return TaskResult()
        }
    }

    private struct CancellationErrorStandIn: Error {}
}

/// Records every event, in order.
private final class RecordingObserver: WorkerObserver {
    let events = Mutex<[String]>([])

    func observe(_ event: WorkerEvent, worker: String) {
        let line = switch event {
        case .claimed(let task): "claimed \(task.key)"
        case .started(let task): "started \(task.key)"
        case .ended(let end): "ended \(end.task.key) \(end.result.rawValue)"
        case .reaped(let count): "reaped \(count)"
        }
        events.withLock { $0.append(line) }
    }
}

@Suite struct WorkerObserverTests {
    /// Runs a worker on queue `q` until the job ends and returns what its observer saw, in order.
    private func eventsOfAWorker(on broker: any Broker, lease: Double) async throws -> [String] {
        let observer = RecordingObserver()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let worker = Worker(
            broker: broker, handlers: [OutcomeHandler()],
            configuration: WorkerConfiguration(queues: ["q"], concurrency: 1, leaseDuration: lease, stopWhenJobEnds: "job"),
            observers: [observer], logger: logger)
        try await worker.run()
        return observer.events.withLock { $0 }
    }

    @Test func observersSeeEveryClaimStartAndEndWithItsResult() async throws {
        let subject = try BrokerFactory.sqlite.make()
        let retry = RetryPolicy(maxRetries: 1, delay: 0, timeout: 60)
        try await subject.broker.submit(.test(), tasks: ["fine", "flaky", "broken"].map { .test(key: $0, retry: retry) })
        let events = try await eventsOfAWorker(on: subject.broker, lease: 5)
        for key in ["fine", "flaky", "broken"] {
            #expect(events.contains("claimed \(key)"))
            #expect(events.contains("started \(key)"))
        }
        #expect(events.filter { $0.hasPrefix("ended") }.sorted() == [
            "ended broken failed", "ended fine succeeded", "ended flaky retried", "ended flaky succeeded",
        ])
        // Each task is claimed before it starts, and starts before it ends.
        for key in ["fine", "broken"] {
            let claimed = try #require(events.firstIndex(of: "claimed \(key)"))
            let started = try #require(events.firstIndex(of: "started \(key)"))
            let ended = try #require(events.firstIndex { $0.hasPrefix("ended \(key)") })
            #expect(claimed < started && started < ended)
        }
    }

    @Test func tasksOfADeadWorkerAreReportedAsReaped() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "orphan")])
        // A worker that claimed and died: its lease runs out.
        _ = try await subject.broker.claim(queues: ["q"], limit: 1, leaseDuration: 0.2, worker: "dead")
        try await Task.sleep(for: .milliseconds(300))
        let events = try await eventsOfAWorker(on: subject.broker, lease: 0.3)
        #expect(events.contains("reaped 1"))
        #expect(events.contains("ended orphan succeeded"))
    }
}
