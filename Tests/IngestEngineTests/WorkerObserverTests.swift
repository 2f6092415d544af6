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
        case .passStarted(let job, _, let pass): "pass \(job) \(pass) started"
        case .passEnded(let job, _, let pass, let state): "pass \(job) \(pass) \(state.rawValue)"
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

/// Pass events (issue 12, A3): reported once per pass from the job registry.
@Suite struct PassEventTests {
    private static func job(
        _ name: String, state: JobState, pass: Int = 1, periodic: Bool = false, lastPass: (Int, JobState)? = nil
    ) -> JobStatus {
        JobStatus(
            name: name, kind: "test", spec: Data(), state: state, createdAt: 0, finishedAt: nil, pendingTasks: 0, runningTasks: 0,
            counters: [:], schedule: periodic ? .interval(seconds: 60) : nil, pass: pass,
            lastPass: lastPass.map { JobPass(pass: $0.0, state: $0.1, startedAt: 0, finishedAt: 1, counters: [:]) })
    }

    private static func text(_ events: [WorkerEvent]) -> [String] {
        events.map { event in
            switch event {
            case .passStarted(let job, _, let pass): "\(job) \(pass) started"
            case .passEnded(let job, _, let pass, let state): "\(job) \(pass) \(state.rawValue)"
            default: "other"
            }
        }
    }

    /// Readings of the jobs in turn, and the events expected after each.
    @Test(arguments: [
        // A one-shot job: queued, running, completed; nothing repeated.
        ([[job("a", state: .queued)], [job("a", state: .running)], [job("a", state: .running)], [job("a", state: .completed)],
          [job("a", state: .completed)]],
         [["a 1 started"], [], ["a 1 completed"], []]),
        // Started and ended between two readings: both reported.
        ([[job("a", state: .queued)], [job("a", state: .failed)]], [["a 1 started", "a 1 failed"]]),
        // A periodic job: pass 1 runs, ends (the job waits with pass 2), pass 2 runs and is stopped.
        ([[job("p", state: .waiting, periodic: true)], [job("p", state: .running, periodic: true)],
          [job("p", state: .waiting, pass: 2, periodic: true, lastPass: (1, .completed))],
          [job("p", state: .running, pass: 2, periodic: true, lastPass: (1, .completed))],
          [job("p", state: .stopped, pass: 2, periodic: true, lastPass: (2, .stopped))]],
         [["p 1 started"], ["p 1 completed"], ["p 2 started"], ["p 2 stopped"]]),
        // A pass ends and the next starts between two readings.
        ([[job("p", state: .running, periodic: true)], [job("p", state: .running, pass: 2, periodic: true, lastPass: (1, .completed))]],
         [["p 1 completed", "p 2 started"]]),
        // Jobs known at the first reading report nothing for what had already happened; a new job does.
        ([[job("old", state: .running)], [job("old", state: .running), job("new", state: .running)]], [["new 1 started"]]),
    ] as [([[JobStatus]], [[String]])])
    func passesAreReportedOnceEach(_ readings: [[JobStatus]], _ expected: [[String]]) {
        var tracker = PassTracker()
        #expect(tracker.events(for: readings[0]).isEmpty, "the first reading is the baseline")
        for (reading, events) in zip(readings.dropFirst(), expected) {
            #expect(Self.text(tracker.events(for: reading)) == events)
        }
    }

    @Test func aMonitorReportsTheStartAndEndOfAJobRunByAWorker() async throws {
        let subject = try BrokerFactory.sqlite.make()
        let observer = RecordingObserver()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let monitor = Task { try await PassMonitor(broker: subject.broker, observers: [observer], interval: 0.02, logger: logger).run() }
        defer { monitor.cancel() }
        // Give the monitor its baseline before the job exists.
        while true {
            try await Task.sleep(for: .milliseconds(20))
            if try await subject.broker.jobs().isEmpty { break }
        }
        try await Task.sleep(for: .milliseconds(100))
        try await subject.broker.submit(.test(), tasks: [.test(key: "fine")])
        let worker = Worker(
            broker: subject.broker, handlers: [OutcomeHandler()],
            configuration: WorkerConfiguration(queues: ["q"], concurrency: 1, leaseDuration: 5, stopWhenJobEnds: "job"),
            observers: [], logger: logger)
        try await worker.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while !observer.events.withLock({ $0.contains("pass job 1 completed") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(observer.events.withLock { $0 } == ["pass job 1 started", "pass job 1 completed"])
    }
}
