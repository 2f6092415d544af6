import Foundation
import IngestCore
import Logging
import ServiceLifecycle

/// Tells observers when a job's pass starts and ends. Passes begin and end inside the broker (at a
/// claim, at the commit of a pass's last task), which any of many workers may make, so they are
/// reported from one place that reads the job registry: the server's process runs one, and each
/// pass is then reported once however many workers ran it.
public struct PassMonitor: Service {
    private let broker: any Broker
    private let observers: [any WorkerObserver]
    private let interval: Double
    private let logger: Logger

    public init(broker: any Broker, observers: [any WorkerObserver], interval: Double = 1, logger: Logger) {
        self.broker = broker
        self.observers = observers
        self.interval = interval
        self.logger = logger
    }

    /// Reads the jobs every `interval` seconds until cancelled or shut down gracefully.
    public func run() async throws {
        var tracker = PassTracker()
        _ = tracker.events(for: try await broker.jobs())
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .seconds(interval))
            do {
                for event in tracker.events(for: try await broker.jobs()) {
                    for observer in observers { observer.observe(event, worker: "pass-monitor") }
                }
            } catch {
                logger.warning("could not read the jobs for pass events; trying again", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// The pass events between two readings of the jobs; a pure value so that tests can feed it any
/// sequence of statuses. The first reading sets the baseline and reports nothing; a job that
/// appears later starts from nothing. Passes are numbered in order, so a reading needs only the
/// latest pass that ended and whether the current one runs. A pass that started and ended between
/// two readings is reported as both; one skipped whole between readings (several passes within one
/// interval) is not reported.
public struct PassTracker: Sendable {
    private struct Reading: Sendable {
        /// The latest pass that ended, 0 when none has.
        var ended: Int
        /// The latest pass known to have started.
        var started: Int
    }

    private var readings: [String: Reading]?

    public init() {}

    public mutating func events(for jobs: [JobStatus]) -> [WorkerEvent] {
        var current: [String: Reading] = [:]
        var events: [WorkerEvent] = []
        for job in jobs {
            // A one-shot job's only pass ends with the job; a periodic job records each in lastPass.
            let last: (pass: Int, state: JobState)? = job.schedule == nil
                ? (job.state.isTerminal ? (job.pass, job.state) : nil)
                : job.lastPass.map { ($0.pass, $0.state) }
            let running = job.state == .running || job.state == .stopping
            let now = Reading(ended: last?.pass ?? 0, started: max(last?.pass ?? 0, running ? job.pass : 0))
            current[job.name] = now
            guard let baseline = readings else { continue }
            let before = baseline[job.name] ?? Reading(ended: 0, started: 0)
            if let last, now.ended > before.ended {
                if now.ended > before.started { events.append(.passStarted(job: job.name, kind: job.kind, pass: now.ended)) }
                events.append(.passEnded(job: job.name, kind: job.kind, pass: now.ended, state: last.state))
            }
            if running, job.pass > max(before.started, now.ended) {
                events.append(.passStarted(job: job.name, kind: job.kind, pass: job.pass))
            }
        }
        readings = current
        return events
    }
}
