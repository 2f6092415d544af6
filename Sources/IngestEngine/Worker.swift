import Foundation
import IngestCore
import Logging
import ServiceLifecycle
import Synchronization

/// Claims tasks from its queues, runs up to `concurrency` at once, renews their leases, reaps
/// expired leases of dead workers, and commits completions in groups.
///
/// On graceful shutdown (SIGTERM/SIGINT through a `ServiceGroup`) it stops claiming, lets
/// running tasks finish and commits them before returning.
public final class Worker: Service {
    private let broker: any Broker
    private let handlers: [String: any TaskHandler]
    private let configuration: WorkerConfiguration
    private let logger: Logger
    private let state: Mutex<WorkerState<RunningTask>>
    private let observers: [any WorkerObserver]
    private let startedAt = currentTimestamp()

    /// A task between its claim and its completion. Its handler runs in a task of its own, and
    /// the worker waits for `outcome`, not for that task: a timeout, a lost lease or a stopped job
    /// settles the outcome, so a handler stuck in a call that ignores cancellation cannot hold the
    /// slot (and renew the lease) forever.
    private struct RunningTask: Sendable {
        let cancellation = TaskCancellation()
        let outcome = FirstOutcome<TaskResult>()
        let deadline: ContinuousClock.Instant
        let timeout: Double
    }

    /// How often running tasks are checked against their deadlines: one check for all of them,
    /// instead of a timer per task.
    private static let deadlineCheckInterval: Duration = .milliseconds(100)

    private enum LoopEvent: Sendable {
        /// A handler returned (or was given up on); the completion still has to be committed.
        case handlerEnded(EndedTask)
        /// A completion was committed: the task is over.
        case taskEnded
        case tick
    }

    /// What a task came to, on its way to the broker.
    private struct EndedTask: Sendable {
        let lease: TaskLease
        /// Nil when the worker itself is being torn down: the task is left to be re-delivered.
        let completion: TaskCompletion?
        let logger: Logger
    }

    /// - Parameter observers: told of every claim, start, end and reap; the default writes the task
    ///   profiles jobs ask for (`--profile`).
    public init(
        broker: any Broker, handlers: [any TaskHandler], configuration: WorkerConfiguration,
        observers: [any WorkerObserver] = [TaskProfiler()], logger: Logger
    ) {
        self.broker = broker
        self.observers = observers
        self.handlers = Dictionary(handlers.map { ($0.kind, $0) }, uniquingKeysWith: { _, last in last })
        self.configuration = configuration
        self.state = Mutex(WorkerState(
            concurrency: configuration.concurrency, maximumPollInterval: configuration.maximumPollInterval,
            stopsWhenQueuesEmpty: configuration.burst, waitsForJob: configuration.stopWhenJobEnds != nil))
        var logger = logger
        logger[metadataKey: "ingest.worker"] = "\(configuration.workerID)"
        self.logger = logger
    }

    /// Tasks this worker has ended so far.
    public var processedCount: Int { state.withLock { $0.processed } }

    /// Stops claiming; `run()` returns once running tasks are committed.
    public func beginDrain() {
        state.withLock { $0.drainRequested() }
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            do {
                try await self.runLoop()
            } catch {
                // A worker that stops on an error is gone too: its record goes now, not at its expiry.
                try? await self.broker.removeWorker(id: self.configuration.workerID)
                throw error
            }
        } onGracefulShutdown: {
            self.logger.info("draining: no new tasks; finishing running ones")
            self.beginDrain()
        }
    }

    private func runLoop() async throws {
        // Before any claim: a lease that cannot be turned into a deadline would crash the worker
        // with tasks held, and those would stay leased for good.
        try configuration.validate()
        logger.info("worker started", metadata: [
            "queues": "\(configuration.queues.joined(separator: ","))", "concurrency": "\(configuration.concurrency)",
        ])
        let reapedAtStart = try await broker.reapExpiredLeases()
        if reapedAtStart > 0 { notify(.reaped(count: reapedAtStart)) }
        await heartbeat()
        let committer = CompletionCommitter(broker: broker)
        try await withThrowingTaskGroup(of: LoopEvent.self) { group in
            group.addTask {
                try await self.maintainLeases()
                return .tick
            }
            group.addTask {
                await self.enforceDeadlines()
                return .tick
            }
            try await runTasks(in: &group, committer: committer)
            group.cancelAll()
        }
        try? await broker.removeWorker(id: configuration.workerID)
        logger.info("worker stopped", metadata: ["tasks": "\(processedCount)"])
    }

    /// Does what the state's actions say until it says stop.
    private func runTasks(in group: inout ThrowingTaskGroup<LoopEvent, any Error>, committer: CompletionCommitter) async throws {
        var action = state.withLock { $0.startPass() }
        while true {
            switch action {
            case .stop(let reason):
                if reason == .queuesEmpty { logger.info("queues empty; stopping (--burst)") }
                return
            case .claim(let limit):
                action = try await claim(limit: limit, in: &group)
            case .checkWhetherJobEnded:
                let ended = (try? await jobToWaitForHasEnded()) == true
                action = state.withLock { $0.jobEnded(ended) }
            case .awaitEvent(let tickAfter):
                if let tickAfter {
                    group.addTask {
                        try? await Task.sleep(for: .seconds(tickAfter))
                        return .tick
                    }
                }
                guard let event = try await group.next() else { return }
                handle(event, in: &group, committer: committer)
                action = state.withLock { $0.startPass() }
            }
        }
    }

    /// Claims up to `limit` tasks and starts their handlers.
    private func claim(limit: Int, in group: inout ThrowingTaskGroup<LoopEvent, any Error>) async throws -> WorkerState<RunningTask>.Action {
        let claimed: [ClaimedTask]
        var brokerFailed = false
        do {
            claimed = try await broker.claim(
                queues: configuration.queues, limit: limit, leaseDuration: configuration.leaseDuration,
                worker: configuration.workerID)
        } catch let error as any StorageUnusable {
            // Retrying cannot help (the state file was removed): stop, and say how to recover.
            logger.critical("\(error)")
            throw error
        } catch {
            // The broker is unreachable or busy: keep running tasks going and try again later.
            logger.error("could not claim tasks; retrying", metadata: ["error": "\(error)"])
            claimed = []
            brokerFailed = true
        }
        let now = ContinuousClock.now
        for task in claimed { notify(.claimed(task)) }
        // Held in range: a task whose stored timeout is out of range is refused in `execute`.
        let held = claimed.map { task in
            (lease: task.lease, running: RunningTask(deadline: now + SecondsSetting.duration(task.retry.timeout), timeout: task.retry.timeout))
        }
        let action = state.withLock { $0.claimReturned(held, brokerFailed: brokerFailed) }
        for (task, entry) in zip(claimed, held) {
            group.addTask {
                .handlerEnded(await self.execute(task, running: entry.running))
            }
        }
        return action
    }

    /// A handler ended: its completion is committed in a child task of its own. A commit ended: the
    /// task is over. A tick: the loop looks at the queues again.
    private func handle(_ event: LoopEvent, in group: inout ThrowingTaskGroup<LoopEvent, any Error>, committer: CompletionCommitter) {
        switch event {
        case .handlerEnded(let ended):
            state.withLock { $0.taskEventArrived() }
            guard let completion = ended.completion else {
                state.withLock { $0.taskDropped(ended.lease) }
                return
            }
            group.addTask {
                await self.record(completion, committer: committer, logger: ended.logger)
                self.state.withLock { $0.taskCommitted(ended.lease) }
                return .taskEnded
            }
        case .taskEnded:
            state.withLock { $0.taskEventArrived() }
        case .tick:
            state.withLock { $0.tickFired() }
        }
    }

    /// Writes this worker's record, so `ingest workers` lists it and `list` knows its queues are served.
    /// A failure is logged and retried at the next beat: it must not stop the tasks.
    private func heartbeat() async {
        let (running, done) = state.withLock { ($0.inFlight.count, $0.processed) }
        let record = WorkerRecord(
            id: configuration.workerID, host: WorkerConfiguration.hostName, pid: getpid(),
            queues: configuration.advertisedQueues ?? configuration.queues, concurrency: configuration.concurrency,
            startedAt: startedAt, lastHeartbeat: currentTimestamp(), running: running, done: done)
        do {
            try await broker.heartbeat(record, ttl: max(configuration.leaseDuration, 3))
        } catch {
            logger.warning("could not record this worker's heartbeat; retrying", metadata: ["error": "\(error)"])
        }
    }

    private func notify(_ event: WorkerEvent) {
        for observer in observers { observer.observe(event, worker: configuration.workerID) }
    }

    private func jobToWaitForHasEnded() async throws -> Bool {
        guard let name = configuration.stopWhenJobEnds else { return false }
        guard let job = try await broker.job(named: name) else { return true }
        return job.state.isTerminal
    }

    /// Renews held leases and re-delivers tasks of dead workers, every third of a lease.
    private func maintainLeases() async throws {
        let interval = configuration.leaseDuration / 3
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(interval))
            do {
                let held = state.withLock { Array($0.inFlight.keys) }
                let statuses = try await broker.renew(held, leaseDuration: configuration.leaseDuration)
                for (lease, status) in statuses where status != .renewed {
                    // A task that ended while the renewal was on the wire comes back lost: nothing to abandon.
                    guard let running = state.withLock({ $0.inFlight[lease] }), !running.outcome.isResolved else { continue }
                    logger.warning("abandoning task", metadata: ["task": "\(lease.taskID)", "reason": "\(status)"])
                    running.cancellation.cancel()
                    running.outcome.resolve(.failure(CancellationError()))
                }
                // After the renewal: a slow heartbeat must not make leases late.
                await heartbeat()
                let reaped = try await broker.reapExpiredLeases()
                if reaped > 0 {
                    notify(.reaped(count: reaped))
                    logger.warning("re-delivered tasks whose worker stopped renewing", metadata: ["count": "\(reaped)"])
                }
            } catch let error as any StorageUnusable {
                logger.critical("\(error)")
                throw error
            } catch {
                logger.error("lease maintenance failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Settles the outcome of every running task past its deadline as timed out.
    private func enforceDeadlines() async {
        while (try? await Task.sleep(for: Self.deadlineCheckInterval)) != nil {
            let now = ContinuousClock.now
            let overdue = state.withLock { $0.inFlight.values.filter { $0.deadline <= now } }
            for running in overdue {
                running.outcome.resolve(.failure(TaskTimedOut(seconds: running.timeout)))
            }
        }
    }

    /// Runs a task's handler and says what it came to; the caller commits it.
    private func execute(_ task: ClaimedTask, running: RunningTask) async -> EndedTask {
        var taskLogger = logger
        taskLogger[metadataKey: "ingest.job"] = "\(task.job)"
        taskLogger[metadataKey: "ingest.task"] = "\(task.kind):\(task.key)"
        let startedAt = currentTimestamp()
        let completion: TaskCompletion
        let cancellation = running.cancellation
        if let problem = task.retry.outOfRangeProblem {
            completion = TaskCompletion(
                lease: task.lease, outcome: .failed(error: TaskSettingsOutOfRange(problem: problem).description, retryable: false))
        } else if let handler = handlers[task.kind] {
            notify(.started(task))
            let context = TaskContext(logger: taskLogger, cancellation: cancellation, broker: broker)
            let outcome = running.outcome
            let life = HandlerLife()
            let handlerLogger = taskLogger
            let handlerTask = Task {
                let result: Result<TaskResult, any Error>
                do {
                    result = .success(try await handler.handle(task, context: context))
                } catch {
                    result = .failure(error)
                }
                // Marked before the outcome is set, so a handler that settles its own outcome is never
                // counted as outliving it.
                let outlived = life.finish()
                outcome.resolve(result)
                if outlived {
                    self.state.withLock { $0.outlivingHandlerReturned() }
                    handlerLogger.info("the handler of an ended task has returned; its slot is free")
                }
            }
            defer {
                // Tells a handler that outlived its outcome (timed out, abandoned) to stop, and keeps
                // its slot taken until it does.
                handlerTask.cancel()
                if life.markOutlivedIfRunning() {
                    state.withLock { $0.handlerOutlivedItsTask() }
                    taskLogger.warning("the task ended but its handler is still running; it keeps a slot until it returns")
                }
            }
            do {
                let result = try await withTaskCancellationHandler {
                    try await outcome.value
                } onCancel: {
                    outcome.resolve(.failure(CancellationError()))
                }
                completion = TaskCompletion(lease: task.lease, outcome: .succeeded, spawned: result.spawned, counters: result.counters)
            } catch let error as PermanentTaskError {
                completion = TaskCompletion(lease: task.lease, outcome: .failed(error: error.description, retryable: false))
            } catch is CancellationError {
                guard cancellation.wasCancelledByWorker else {
                    // The worker itself is being torn down: leave the task to be re-delivered when its lease expires.
                    let abandoned = TaskCompletion(lease: task.lease, outcome: .failed(error: TaskCompletion.cancelledError, retryable: false))
                    notify(.ended(TaskEnd(task: task, completion: abandoned, start: startedAt, end: currentTimestamp())))
                    return EndedTask(lease: task.lease, completion: nil, logger: taskLogger)
                }
                // The lease was lost (the completion will be ignored by its fence) or the job is stopping
                // (the broker counts the task as cancelled).
                completion = TaskCompletion(lease: task.lease, outcome: .failed(error: TaskCompletion.cancelledError, retryable: false))
            } catch {
                completion = TaskCompletion(lease: task.lease, outcome: .failed(error: "\(error)", retryable: true))
            }
        } else {
            completion = TaskCompletion(
                lease: task.lease, outcome: .failed(error: IngestError.noHandler(kind: task.kind).description, retryable: false))
        }
        if case .failed(let error, _) = completion.outcome {
            taskLogger.warning("task failed", metadata: ["error": "\(error)", "attempt": "\(task.attempt)"])
        } else {
            taskLogger.debug("task done")
        }
        notify(.ended(TaskEnd(task: task, completion: completion, start: startedAt, end: currentTimestamp())))
        // The slot frees here, not when the loop reads this event: handlers that end while the loop
        // is busy then free their slots together, and the next claim takes them all at once.
        state.withLock { $0.handlerEnded() }
        return EndedTask(lease: task.lease, completion: completion, logger: taskLogger)
    }

    /// Commits a completion, retrying while the broker is unreachable (a Redis restart, a network
    /// blip) for as long as the lease would last: a fenced completion is safe to send twice, and
    /// giving up early would throw away finished work that then has to run again.
    private func record(_ completion: TaskCompletion, committer: CompletionCommitter, logger: Logger) async {
        let clock = ContinuousClock()
        let giveUpAt = clock.now + .seconds(configuration.leaseDuration)
        var delay = 0.1
        while true {
            do {
                if try await !committer.commit(completion) {
                    logger.warning("completion ignored: the task's lease had expired and it was handed to another worker")
                }
                return
            } catch {
                // A worker being torn down stops at once: its sleeps would return at once and the
                // retries spin; the lease expires and the task runs again, so nothing is lost.
                guard !Task.isCancelled, clock.now + .seconds(delay) < giveUpAt else {
                    // The lease will expire and the task will run again: nothing is lost.
                    logger.error("could not record the task's end; it will be re-delivered", metadata: ["error": "\(error)"])
                    return
                }
                logger.warning("could not record the task's end; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 2)
            }
        }
    }
}

/// Whether a handler returned before the worker stopped waiting for it.
private final class HandlerLife: Sendable {
    private let state = Mutex((finished: false, outlived: false))

    /// Called by the handler's task when it returns; true when the worker had counted it as outliving.
    func finish() -> Bool {
        state.withLock { state in
            state.finished = true
            return state.outlived
        }
    }

    /// Called when the worker stops waiting; true when the handler is still running (now counted).
    func markOutlivedIfRunning() -> Bool {
        state.withLock { state in
            if state.finished { return false }
            state.outlived = true
            return true
        }
    }
}
