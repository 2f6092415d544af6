import Foundation
import IngestCore
import Logging
import ServiceLifecycle
import Synchronization

/// A worker on every queue the broker knows (`ingest worker` without `-Q`).
///
/// It runs an ordinary `Worker` on the broker's queue names and looks at them again every
/// `refreshInterval` seconds; when new queues have appeared it lets the running tasks finish and
/// starts again on the new list, so the `Worker` itself keeps a fixed list.
public final class AllQueuesWorker: Service {
    private let broker: any Broker
    private let handlers: [any TaskHandler]
    private let configuration: WorkerConfiguration
    private let refreshInterval: Double
    private let order: @Sendable ([String]) -> [String]
    private let observers: [any WorkerObserver]
    private let startedAt = currentTimestamp()
    private let logger: Logger
    private let state = Mutex<(stopped: Bool, current: Worker?)>((false, nil))

    /// - Parameter order: puts the broker's queue names in the priority order the worker claims in.
    public init(
        broker: any Broker, handlers: [any TaskHandler], configuration: WorkerConfiguration, refreshInterval: Double = 1,
        order: @escaping @Sendable ([String]) -> [String] = { $0 }, observers: [any WorkerObserver] = [TaskProfiler()], logger: Logger
    ) {
        self.observers = observers
        self.broker = broker
        self.handlers = handlers
        self.configuration = configuration
        self.refreshInterval = refreshInterval
        self.order = order
        self.logger = logger
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await self.runLoop()
        } onGracefulShutdown: {
            let current = self.state.withLock { state in
                state.stopped = true
                return state.current
            }
            current?.beginDrain()
        }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func runLoop() async throws {
        while !isStopped {
            let queues: [String]
            do {
                queues = try await broker.queueNames()
            } catch let error as any StorageUnusable {
                // Retrying cannot help (the state file was removed): stop, and say how to recover.
                logger.critical("\(error)")
                throw error
            } catch {
                logger.error("could not read the queue names; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(refreshInterval))
                continue
            }
            guard !queues.isEmpty else {
                if configuration.burst { break }
                // Idle with no queue yet: still a live worker, listening to every queue.
                let record = WorkerRecord(
                    id: configuration.workerID, host: WorkerConfiguration.hostName, pid: getpid(), queues: [],
                    concurrency: configuration.concurrency, startedAt: startedAt, lastHeartbeat: currentTimestamp())
                try? await broker.heartbeat(record, ttl: max(configuration.leaseDuration, 3))
                try? await Task.sleep(for: .seconds(min(refreshInterval, 1)))
                continue
            }
            var configuration = configuration
            configuration.queues = order(queues)
            configuration.advertisedQueues = []
            let worker = Worker(broker: broker, handlers: handlers, configuration: configuration, observers: observers, logger: logger)
            let stopped = state.withLock { state in
                state.current = worker
                return state.stopped
            }
            if stopped { break }
            let queuesChanged = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await worker.run()
                    return false
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(self.refreshInterval))
                        if Task.isCancelled { return false }
                        if let now = try? await self.broker.queueNames(), Set(now) != Set(queues) {
                            self.logger.info("new queues; restarting on them once running tasks end", metadata: ["queues": "\(now.joined(separator: ","))"])
                            worker.beginDrain()
                            return true
                        }
                    }
                    return false
                }
                let first = try await group.next() ?? false
                if first {
                    _ = try await group.next()  // the worker, draining
                } else {
                    group.cancelAll()
                }
                return first
            }
            // The worker ended on its own: a signal, or the job it waited for has ended.
            if !queuesChanged { break }
        }
        try? await broker.removeWorker(id: configuration.workerID)
    }
}
