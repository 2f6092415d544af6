import Foundation
import IngestCore
import IngestEngine
import IngestSQLite
import IngestTesting
import Logging
import Synchronization
import Testing

/// A handler whose behaviour each test scripts through the task key.
private final class ScriptedHandler: TaskHandler {
    let kind = "test"
    let running = Mutex((now: 0, peak: 0))
    let started = Mutex(0)

    func handle(_ task: ClaimedTask, context: TaskContext) async throws -> TaskResult {
        started.withLock { $0 += 1 }
        running.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
        defer { running.withLock { $0.now -= 1 } }
        switch task.key {
        case let key where key.hasPrefix("sleep"):
            try await Task.sleep(for: .milliseconds(Int(key.dropFirst(5))!))
        case "hang":
            try await Task.sleep(for: .seconds(3600))
        case "ignore-cancellation":
            // Like a client library call that never returns and does not answer cancellation.
            await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
        case "wait-for-cancel":
            while true {
                try context.cancellation.check()
                try await Task.sleep(for: .milliseconds(10))
            }
        case "throw":
            throw TestFailure(description: "scripted failure")
        case "permanent":
            throw PermanentTaskError("bad input")
        case "spawn":
            return TaskResult(spawned: (0..<3).map { .test(job: task.job, key: "child\($0)") }, counters: [Counter.entriesCreated: 1])
        default:
            break
        }
        return TaskResult(counters: [Counter.entriesCreated: 1])
    }
}

private struct TestFailure: Error, CustomStringConvertible {
    var description: String
}

@Suite struct WorkerTests {
    /// The default lease is long: the full suite can starve this process for tens of seconds, and an
    /// expired lease re-delivers a task, which would count as extra starts. Tests of expiry pass a short one.
    private func makeWorker(_ broker: any Broker, _ handler: ScriptedHandler, concurrency: Int = 2, lease: Double = 60, until job: String? = "job") -> Worker {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return Worker(
            broker: broker, handlers: [handler],
            configuration: WorkerConfiguration(queues: ["q"], concurrency: concurrency, leaseDuration: lease, stopWhenJobEnds: job),
            logger: logger)
    }

    @Test func runsSpawnedTasksUntilTheJobCompletes() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "spawn")])
        try await makeWorker(subject.broker, ScriptedHandler()).run()
        let status = try #require(try await subject.broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.counter(Counter.entriesCreated) == 4)
        #expect(status.counter(Counter.tasksDone) == 4)
    }

    @Test func neverRunsMoreThanItsConcurrency() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: (0..<12).map { _ in .test(key: "sleep20") })
        let handler = ScriptedHandler()
        try await makeWorker(subject.broker, handler, concurrency: 3).run()
        #expect(handler.running.withLock { $0.peak } == 3)
        #expect(handler.started.withLock { $0 } == 12)
    }

    @Test func taskLongerThanItsTimeoutFailsWithATimeoutError() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "hang", retry: RetryPolicy(maxRetries: 0, delay: 0, timeout: 0.2))])
        try await makeWorker(subject.broker, ScriptedHandler()).run()
        let failed = try await subject.broker.failedTasks(job: "job", queue: nil, limit: 5)
        #expect(failed.first?.error.contains("timed out after 0.2 seconds") == true)
        #expect(try await subject.broker.job(named: "job")?.state == .failed)
    }

    @Test func handlerThatIgnoresCancellationStillTimesOutAndTheJobGoesOn() async throws {
        let subject = try BrokerFactory.sqlite.make()
        let stuck = NewTask.test(key: "ignore-cancellation", retry: RetryPolicy(maxRetries: 0, delay: 0, timeout: 0.3))
        try await subject.broker.submit(.test(), tasks: [stuck] + (0..<3).map { _ in .test(key: "sleep1") })
        let handler = ScriptedHandler()
        try await makeWorker(subject.broker, handler, concurrency: 2).run()
        #expect(handler.started.withLock { $0 } == 4)
        let status = try #require(try await subject.broker.job(named: "job"))
        #expect(status.state == .failed)
        #expect(status.tasksFailed == 1)
        #expect(status.counter(Counter.entriesCreated) == 3)
        let failed = try await subject.broker.failedTasks(job: "job", queue: nil, limit: 5)
        #expect(failed.first?.error.contains("timed out after 0.3 seconds") == true)
    }

    @Test func stuckHandlersKeepTheirSlotsSoTheyCannotPileUp() async throws {
        let subject = try BrokerFactory.sqlite.make()
        let stuck = NewTask.test(key: "ignore-cancellation", retry: RetryPolicy(maxRetries: 0, delay: 0, timeout: 0.2))
        try await subject.broker.submit(.test(), tasks: [stuck, stuck, .test(key: "sleep1")])
        let handler = ScriptedHandler()
        let worker = makeWorker(subject.broker, handler, concurrency: 2)
        async let run: Void = worker.run()
        let deadline = Date().addingTimeInterval(60)  // bounds a hung run only: the full suite can starve a worker for seconds
        while try await subject.broker.job(named: "job")?.tasksFailed ?? 0 < 2 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await subject.broker.job(named: "job")?.tasksFailed == 2)
        #expect(handler.started.withLock { $0 } == 2, "a third task ran while both slots were held by stuck handlers")
        worker.beginDrain()
        try await run
    }

    @Test func stoppingAJobReleasesAHandlerThatIgnoresCancellation() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "ignore-cancellation")])
        let handler = ScriptedHandler()
        let worker = makeWorker(subject.broker, handler, concurrency: 1, lease: 0.3)
        async let run: Void = worker.run()
        let deadline = Date().addingTimeInterval(60)  // bounds a hung run only: the full suite can starve a worker for seconds
        while handler.started.withLock({ $0 }) < 1 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        _ = try await subject.broker.stop(job: "job")
        try await run
        #expect(try await subject.broker.job(named: "job")?.state == .stopped)
    }

    @Test func failingTaskIsRetriedUpToItsLimitAndKeepsItsError() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "throw", retry: RetryPolicy(maxRetries: 2, delay: 0.01, timeout: 10))])
        let handler = ScriptedHandler()
        try await makeWorker(subject.broker, handler).run()
        #expect(handler.started.withLock { $0 } == 3)
        let status = try #require(try await subject.broker.job(named: "job"))
        #expect(status.tasksRetried == 2)
        #expect(status.tasksFailed == 1)
        #expect(try await subject.broker.failedTasks(job: "job", queue: nil, limit: 5).first?.error == "scripted failure")
    }

    @Test func permanentErrorIsNotRetried() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "permanent", retry: RetryPolicy(maxRetries: 5, delay: 0, timeout: 10))])
        let handler = ScriptedHandler()
        try await makeWorker(subject.broker, handler).run()
        #expect(handler.started.withLock { $0 } == 1)
        #expect(try await subject.broker.failedTasks(job: "job", queue: nil, limit: 5).first?.error == "bad input")
    }

    @Test func stoppingAJobCancelsItsRunningTaskThroughLeaseRenewal() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "wait-for-cancel")] + (0..<5).map { _ in .test(key: "sleep1") })
        let handler = ScriptedHandler()
        let worker = makeWorker(subject.broker, handler, concurrency: 1, lease: 0.3)
        async let run: Void = worker.run()
        let deadline = Date().addingTimeInterval(60)  // bounds a hung run only: the full suite can starve a worker for seconds
        while handler.started.withLock({ $0 }) < 1 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        let stopped = try await subject.broker.stop(job: "job")
        #expect(stopped.state == .stopping)
        try await run
        let status = try #require(try await subject.broker.job(named: "job"))
        #expect(status.state == .stopped)
        #expect(status.counter(Counter.tasksCancelled) == 6)
        #expect(try await subject.broker.failedTasks(job: "job", queue: nil, limit: 5).isEmpty)
    }

    @Test func drainFinishesRunningTasksAndClaimsNoMore() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: (0..<10).map { _ in .test(key: "sleep100") })
        let handler = ScriptedHandler()
        // A long lease: a machine starved for seconds (the full suite) must not expire it and re-deliver.
        let worker = makeWorker(subject.broker, handler, concurrency: 2, lease: 60, until: nil)
        async let run: Void = worker.run()
        // Drain once both slots are busy.
        let deadline = Date().addingTimeInterval(60)  // bounds a hung run only: the full suite can starve a worker for seconds
        while handler.started.withLock({ $0 }) < 2 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        worker.beginDrain()
        try await run
        let status = try #require(try await subject.broker.job(named: "job"))
        #expect(handler.started.withLock { $0 } == 2)
        #expect(status.counter(Counter.tasksDone) == 2)
        #expect(status.runningTasks == 0, "drained tasks are committed, not left leased")
        #expect(status.pendingTasks == 8)
    }

    @Test func taskOfADeadWorkerIsRedeliveredAfterItsLeaseExpires() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: [.test(key: "plain")])
        // A worker that claimed the task and died without finishing it.
        let orphan = try await subject.broker.claim(queues: ["q"], limit: 1, leaseDuration: 0.3, worker: "dead")
        #expect(orphan.count == 1)
        let handler = ScriptedHandler()
        // The live worker's own lease is long enough that a loaded machine cannot make it expire too.
        try await makeWorker(subject.broker, handler, lease: 2).run()
        let status = try #require(try await subject.broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.tasksRetried == 1)
        #expect(handler.started.withLock { $0 } == 1)
    }

    @Test func theNextTaskStartsWhileTheLastOnesCompletionIsStillBeingCommitted() async throws {
        let subject = try BrokerFactory.sqlite.make()
        try await subject.broker.submit(.test(), tasks: (0..<6).map { _ in .test(key: "plain") })
        let broker = GatedFinishBroker(subject.broker)
        let handler = ScriptedHandler()
        // A long lease: a machine starved for seconds (the full suite) must not expire it and re-deliver.
        let worker = makeWorker(broker, handler, concurrency: 1, lease: 60)
        async let run: Void = worker.run()
        // With every commit held back, one slot still starts a second task; the commits past the
        // concurrency then hold the slot, so no more than two tasks are ever taken.
        // The deadline only bounds a hung run: a loaded machine (the full suite on two cores) may
        // take seconds to get there.
        let deadline = Date().addingTimeInterval(60)
        while (handler.started.withLock({ $0 }) < 2 || broker.finishesWaiting < 1) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(handler.started.withLock { $0 } == 2)
        // The first completion is at the broker; the second waits behind it to go in the next group.
        #expect(broker.finishesWaiting == 1)
        broker.open()
        try await run
        let status = try #require(try await subject.broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.counter(Counter.tasksDone) == 6)
        #expect(handler.started.withLock { $0 } == 6)
    }
}

/// A broker whose `finish` waits until `open()` is called; everything else goes straight through.
private final class GatedFinishBroker: Broker {
    private let inner: any Broker
    private let state = Mutex((isOpen: false, waiting: 0))

    init(_ inner: any Broker) {
        self.inner = inner
    }

    /// Completions held back so far.
    var finishesWaiting: Int { state.withLock { $0.waiting } }

    func open() { state.withLock { $0.isOpen = true } }

    func finish(_ completions: [TaskCompletion]) async throws -> Set<TaskLease> {
        state.withLock { $0.waiting += completions.count }
        while !state.withLock({ $0.isOpen }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        return try await inner.finish(completions)
    }

    func submit(_ job: JobDefinition, tasks: [NewTask]) async throws { try await inner.submit(job, tasks: tasks) }
    func enqueue(_ tasks: [NewTask]) async throws { try await inner.enqueue(tasks) }
    func claim(queues: [String], limit: Int, leaseDuration: Double, worker: String) async throws -> [ClaimedTask] {
        try await inner.claim(queues: queues, limit: limit, leaseDuration: leaseDuration, worker: worker)
    }
    func renew(_ leases: [TaskLease], leaseDuration: Double) async throws -> [TaskLease: LeaseStatus] {
        try await inner.renew(leases, leaseDuration: leaseDuration)
    }
    func reapExpiredLeases() async throws -> Int { try await inner.reapExpiredLeases() }
    func job(named name: String) async throws -> JobStatus? { try await inner.job(named: name) }
    func history(job name: String) async throws -> [JobPass] { try await inner.history(job: name) }
    func jobs() async throws -> [JobStatus] { try await inner.jobs() }
    func queueCounts(job name: String) async throws -> [String: QueueCounts] { try await inner.queueCounts(job: name) }
    func queueNames() async throws -> [String] { try await inner.queueNames() }
    func stop(job name: String) async throws -> JobStatus { try await inner.stop(job: name) }
    func failedTasks(job: String?, queue: String?, after: Int64?, limit: Int, order: FailedOrder) async throws -> [FailedTask] {
        try await inner.failedTasks(job: job, queue: queue, after: after, limit: limit, order: order)
    }
    func requeueFailed(job: String?, queue: String?) async throws -> Int { try await inner.requeueFailed(job: job, queue: queue) }
    func claimFirst(job: String, claims: [FirstClaim]) async throws -> [String] { try await inner.claimFirst(job: job, claims: claims) }
    func flush() async throws { try await inner.flush() }
    func checkReady() async throws { try await inner.checkReady() }
    func forget(job name: String) async throws { try await inner.forget(job: name) }
    func heartbeat(_ worker: WorkerRecord, ttl: Double) async throws { try await inner.heartbeat(worker, ttl: ttl) }
    func liveWorkers() async throws -> [WorkerRecord] { try await inner.liveWorkers() }
    func removeWorker(id: String) async throws { try await inner.removeWorker(id: id) }
    func sharedValue(job: String, key: String) async throws -> Data? { try await inner.sharedValue(job: job, key: key) }
    func setSharedValue(job: String, key: String, value: Data, expiresIn: Double?) async throws {
        try await inner.setSharedValue(job: job, key: key, value: value, expiresIn: expiresIn)
    }
    func incrementSharedValue(job: String, key: String, by amount: Int64) async throws -> Int64 {
        try await inner.incrementSharedValue(job: job, key: key, by: amount)
    }
    func deleteSharedValues(job: String, keys: [String]) async throws -> Int { try await inner.deleteSharedValues(job: job, keys: keys) }
    func expireSharedValue(job: String, key: String, after seconds: Double) async throws -> Bool {
        try await inner.expireSharedValue(job: job, key: key, after: seconds)
    }
}
