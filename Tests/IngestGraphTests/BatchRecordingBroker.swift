import Foundation
import IngestGraph
import IngestCore
import Synchronization

/// A broker that passes every call on and remembers the most tasks handed to it at once: what
/// whoever queues a graph must hold in memory.
final class BatchRecordingBroker: Broker {
    struct Record: Sendable {
        /// The most tasks in one `submit` or `enqueue`.
        var largestSubmission = 0
        /// The most tasks one completion spawned.
        var largestSpawn = 0
        /// Every chunk task handed over, by key (a chunk queued twice shows up twice).
        var chunkKeys: [String] = []
    }

    let base: any Broker
    private let record = Mutex(Record())

    init(_ base: any Broker) { self.base = base }

    var recorded: Record { record.withLock { $0 } }

    private func note(submitted tasks: [NewTask]) {
        record.withLock { record in
            record.largestSubmission = max(record.largestSubmission, tasks.count)
            record.chunkKeys += tasks.filter { $0.kind == GraphJob.taskKind }.map(\.key)
        }
    }

    func submit(_ job: JobDefinition, tasks: [NewTask]) async throws {
        note(submitted: tasks)
        try await base.submit(job, tasks: tasks)
    }

    func enqueue(_ tasks: [NewTask]) async throws {
        note(submitted: tasks)
        try await base.enqueue(tasks)
    }

    func finish(_ completions: [TaskCompletion]) async throws -> Set<TaskLease> {
        let applied = try await base.finish(completions)
        record.withLock { record in
            for completion in completions where applied.contains(completion.lease) {
                record.largestSpawn = max(record.largestSpawn, completion.spawned.count)
                record.chunkKeys += completion.spawned.filter { $0.kind == GraphJob.taskKind }.map(\.key)
            }
        }
        return applied
    }

    func claim(queues: [String], limit: Int, leaseDuration: Double, worker: String) async throws -> [ClaimedTask] {
        try await base.claim(queues: queues, limit: limit, leaseDuration: leaseDuration, worker: worker)
    }

    func renew(_ leases: [TaskLease], leaseDuration: Double) async throws -> [TaskLease: LeaseStatus] {
        try await base.renew(leases, leaseDuration: leaseDuration)
    }

    func reapExpiredLeases() async throws -> Int { try await base.reapExpiredLeases() }
    func job(named name: String) async throws -> JobStatus? { try await base.job(named: name) }
    func history(job name: String) async throws -> [JobPass] { try await base.history(job: name) }
    func jobs() async throws -> [JobStatus] { try await base.jobs() }
    func queueCounts(job name: String) async throws -> [String: QueueCounts] { try await base.queueCounts(job: name) }
    func queueNames() async throws -> [String] { try await base.queueNames() }
    func stop(job name: String) async throws -> JobStatus { try await base.stop(job: name) }

    func failedTasks(job: String?, queue: String?, after: Int64?, limit: Int, order: FailedOrder) async throws -> [FailedTask] {
        try await base.failedTasks(job: job, queue: queue, after: after, limit: limit, order: order)
    }

    func requeueFailed(job: String?, queue: String?) async throws -> Int { try await base.requeueFailed(job: job, queue: queue) }
    func claimFirst(job: String, claims: [FirstClaim]) async throws -> [String] { try await base.claimFirst(job: job, claims: claims) }
    func flush() async throws { try await base.flush() }
    func checkReady() async throws { try await base.checkReady() }
    func forget(job name: String) async throws { try await base.forget(job: name) }
    func heartbeat(_ worker: WorkerRecord, ttl: Double) async throws { try await base.heartbeat(worker, ttl: ttl) }
    func liveWorkers() async throws -> [WorkerRecord] { try await base.liveWorkers() }
    func removeWorker(id: String) async throws { try await base.removeWorker(id: id) }
    func sharedValue(job: String, key: String) async throws -> Data? { try await base.sharedValue(job: job, key: key) }
    func setSharedValue(job: String, key: String, value: Data, expiresIn: Double?) async throws {
        try await base.setSharedValue(job: job, key: key, value: value, expiresIn: expiresIn)
    }
    func incrementSharedValue(job: String, key: String, by amount: Int64) async throws -> Int64 {
        try await base.incrementSharedValue(job: job, key: key, by: amount)
    }
    func deleteSharedValues(job: String, keys: [String]) async throws -> Int { try await base.deleteSharedValues(job: job, keys: keys) }
    func expireSharedValue(job: String, key: String, after seconds: Double) async throws -> Bool {
        try await base.expireSharedValue(job: job, key: key, after: seconds)
    }
}

