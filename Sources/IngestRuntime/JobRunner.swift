import Foundation
import IngestCore
import IngestEngine
import Logging
import ServiceLifecycle

/// Runs an in-process worker under a `ServiceGroup` (so Ctrl-C drains it) while following a job.
enum JobRunner {
    static func runUntilJobEnds(
        worker: any Service, watcher: JobWatcher, broker: any Broker, job: String, showProgress: Bool, logger: Logger
    ) async throws -> JobStatus {
        // The worker returns by itself once the job has ended; that ends the group normally.
        let service = ServiceGroupConfiguration.ServiceConfiguration(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)
        let group = ServiceGroup(configuration: .init(
            services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let watcher = Task {
            try await watcher.waitUntilEnded(job: job, showProgress: showProgress)
        }
        do {
            try await group.run()
        } catch {
            watcher.cancel()
            throw error
        }
        // The worker returns once the job has ended (or on a signal): the watcher draws the last
        // state now rather than at its next look.
        watcher.cancel()
        // A read cut short by the cancellation gives no status; then read it here.
        var status = try? await watcher.value
        if status == nil { status = try await broker.job(named: job) }
        guard let status else { throw IngestError.jobNotFound(job) }
        if status.state.isTerminal {
            return status
        }
        FileHandle.standardError.write(Data("\nstopped waiting; job \(job) is \(status.state.rawValue) and continues with `ingest worker`\n".utf8))
        return status
    }
}
