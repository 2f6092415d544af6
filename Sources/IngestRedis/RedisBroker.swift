import Foundation
import IngestCore
import Logging
import NIOCore

/// The distributed broker: queues, leases, dependency sets, the job registry and counters in
/// Redis, shared by workers on any number of machines. Every multi-key transition is one Lua
/// script (`RedisBrokerScripts`); claims and completions travel in batches, one script call each.
///
/// Every key starts with `keyPrefix` (default `ingest:`), followed by one hash tag, so `flush`
/// removes only Ingest's keys and a cluster keeps each script's keys in one slot.
public final class RedisBroker: Broker {
    public let client: RedisClient
    public let keyPrefix: String
    /// `keyPrefix` plus the hash tag: what every key starts with.
    let base: String

    /// How many times a task may lose its worker before it is recorded as failed (as in SQLite).
    static let maximumLostDeliveries = 3

    /// Most tasks of a job one script reads to rebuild the job's failed sets (a registry written by
    /// an earlier version): about 0.1 s of the server's time each, on a loaded machine.
    let failedIndexStep: Int

    public convenience init(client: RedisClient, keyPrefix: String = "ingest:") {
        self.init(client: client, keyPrefix: keyPrefix, failedIndexStep: 10_000)
    }

    init(client: RedisClient, keyPrefix: String, failedIndexStep: Int) {
        self.client = client
        self.keyPrefix = keyPrefix
        self.base = keyPrefix + "{ingest}:"
        self.failedIndexStep = failedIndexStep
    }

    /// A broker on a new client for `url`.
    public convenience init(url: RedisURL, keyPrefix: String = "ingest:", logger: Logger? = nil) {
        let client = logger.map { RedisClient(url: url, logger: $0) } ?? RedisClient(url: url)
        self.init(client: client, keyPrefix: keyPrefix)
    }

    public func close() async {
        await client.close()
    }

    // MARK: - Eviction check

    /// A Redis broker is ready when its server cannot evict Ingest's keys.
    public func checkReady() async throws {
        try await checkEvictionPolicy()
    }

    /// Refuses a server that may evict keys: an evicted task or counter is lost work.
    /// `volatile-*` policies evict only keys with a time to live, and Ingest sets one only on
    /// shared values a handler stored with an expiry, which it already treats as short-lived.
    /// - Throws: `RedisBrokerError.evictionPolicy` naming the policy and the fix.
    public func checkEvictionPolicy() async throws {
        // INFO works where CONFIG is disabled (managed Redis services).
        let info = try await client.send(["INFO", "memory"]).string ?? ""
        let policy = info.split(whereSeparator: \.isNewline)
            .first { $0.hasPrefix("maxmemory_policy:") }
            .map { String($0.dropFirst("maxmemory_policy:".count)).trimmingCharacters(in: .whitespaces) }
        if let policy, policy.hasPrefix("allkeys-") {
            throw RedisBrokerError.evictionPolicy(policy: policy, url: client.url.redacted)
        }
    }

    // MARK: - Jobs

    public func submit(_ job: JobDefinition, tasks: [NewTask]) async throws {
        let now = currentTimestamp()
        let firstRun = tasks.compactMap(\.notBefore).min().flatMap { $0 > now ? $0 : nil }
        var arguments: [any RESPArgument] = [
            base, now, job.name, job.kind, Array(job.spec),
            try job.schedule.map { Array(try JSONEncoder().encode($0)) } ?? [UInt8](),
            job.profileFilename ?? "",
            job.schedule == nil ? [UInt8]() : Array(try JSONEncoder().encode(tasks)),
            firstRun.map { RESPEncoder.text(of: $0) } ?? "",
            tasks.count,
        ]
        Self.append(tasks, to: &arguments)
        arguments.append(job.finalTasks.isEmpty ? [UInt8]() : Array(try JSONEncoder().encode(job.finalTasks)))
        do {
            try await client.evalScript(RedisBrokerScripts.submit, arguments: arguments)
        } catch let error as RedisError where error.serverErrorCode == "ACTIVE" {
            throw IngestError.jobAlreadyActive(job.name)
        }
        try await scheduleWaitingPasses()
    }

    public func enqueue(_ tasks: [NewTask]) async throws {
        guard !tasks.isEmpty else { return }
        var arguments: [any RESPArgument] = [base, currentTimestamp(), tasks.count]
        Self.append(tasks, to: &arguments)
        do {
            try await client.evalScript(RedisBrokerScripts.enqueue, arguments: arguments)
        } catch let error as RedisError {
            if case .server(let message) = error, let code = error.serverErrorCode {
                let job = String(message.dropFirst(code.count + 1))
                if code == "NOJOB" { throw IngestError.jobNotFound(job) }
                if code == "STOPPING" { throw IngestError.jobStopping(job) }
            }
            throw error
        }
        try await scheduleWaitingPasses()
    }

    public func job(named name: String) async throws -> JobStatus? {
        try await statuses(of: [name]).first
    }

    public func jobs() async throws -> [JobStatus] {
        let names = try await client.send(["ZRANGE", base + "jobs", 0, -1]).array?.compactMap(\.string) ?? []
        return try await statuses(of: names)
    }

    public func queueCounts(job name: String) async throws -> [String: QueueCounts] {
        let fields = try await client.send(["HGETALL", base + "jq:" + name]).map ?? []
        var counts: [String: QueueCounts] = [:]
        for (field, value) in fields {
            guard let field = field.string, let value = value.int, let colon = field.firstIndex(of: ":") else { continue }
            let queue = String(field[field.index(after: colon)...])
            let count = Int64(value)
            switch field[..<colon] {
            case "r": counts[queue, default: QueueCounts()].ready += count
            case "b": counts[queue, default: QueueCounts()].blocked += count
            case "u": counts[queue, default: QueueCounts()].running += count
            case "f": counts[queue, default: QueueCounts()].failed += count
            default: continue
            }
        }
        return counts.filter { $0.value != QueueCounts() }
    }

    public func queueNames() async throws -> [String] {
        let names = try await client.send(["SMEMBERS", base + "queues"]).array?.compactMap(\.string) ?? []
        return names.sorted()
    }

    public func history(job name: String) async throws -> [JobPass] {
        let fields = try await client.send(["HGETALL", base + "jp:" + name]).map ?? []
        return try fields.compactMap { try $0.value.bytes.map { try Self.decodePass(Data($0.readableBytesView)) } }
            .sorted { $0.pass < $1.pass }
    }

    @discardableResult
    public func stop(job name: String) async throws -> JobStatus {
        do {
            try await client.evalScript(RedisBrokerScripts.stop, arguments: [base, currentTimestamp(), name])
        } catch let error as RedisError where error.serverErrorCode == "NOJOB" {
            throw IngestError.jobNotFound(name)
        }
        guard let status = try await job(named: name) else { throw IngestError.jobNotFound(name) }
        return status
    }

    // MARK: - Workers

    public func heartbeat(_ worker: WorkerRecord, ttl: Double) async throws {
        let now = currentTimestamp()
        let record = Array(try JSONEncoder().encode(worker))
        try await client.evalScript(
            RedisBrokerScripts.heartbeat, arguments: [base, RESPEncoder.text(of: now), worker.id, record, RESPEncoder.text(of: now + ttl)])
    }

    public func liveWorkers() async throws -> [WorkerRecord] {
        let reply = try await client.evalScript(RedisBrokerScripts.liveWorkers, arguments: [base, RESPEncoder.text(of: currentTimestamp())])
        let records = reply.array?.compactMap(\.string) ?? []
        return records.compactMap { try? JSONDecoder().decode(WorkerRecord.self, from: Data($0.utf8)) }.sorted { $0.startedAt < $1.startedAt }
    }

    public func removeWorker(id: String) async throws {
        try await client.send(["HDEL", base + "workers", id])
        try await client.send(["ZREM", base + "workers:expiry", id])
    }

    public func claimFirst(job: String, claims: [FirstClaim]) async throws -> [String] {
        guard !claims.isEmpty else { return [] }
        var arguments: [any RESPArgument] = [base, job]
        arguments.reserveCapacity(2 + claims.count * 2)
        for claim in claims {
            arguments.append(claim.key)
            arguments.append(claim.owner)
        }
        let reply: RESPValue
        do {
            reply = try await client.evalScript(RedisBrokerScripts.claimFirst, arguments: arguments)
        } catch let error as RedisError where error.serverErrorCode == "NOJOB" {
            throw IngestError.jobNotFound(job)
        }
        let owners = reply.array?.compactMap(\.string) ?? []
        guard owners.count == claims.count else {
            throw RedisError.unexpectedReply(command: "claimFirst", reply: "\(reply)")
        }
        return owners
    }

    public func forget(job name: String) async throws {
        do {
            try await client.evalScript(RedisBrokerScripts.forget, arguments: [base, currentTimestamp(), name])
        } catch let error as RedisError where error.serverErrorCode == "NOJOB" {
            throw IngestError.jobNotFound(name)
        } catch let error as RedisError where error.serverErrorCode == "ACTIVE" {
            throw IngestError.jobAlreadyActive(name)
        }
    }

    /// Deletes every key under the prefix, and nothing else in the database.
    public func flush() async throws {
        let pattern = Self.globEscaped(keyPrefix) + "*"
        var cursor = "0"
        repeat {
            let reply = try await client.send(["SCAN", cursor, "MATCH", pattern, "COUNT", 1000]).array ?? []
            guard reply.count == 2, let next = reply[0].string else {
                throw RedisError.unexpectedReply(command: "SCAN", reply: "\(reply)")
            }
            cursor = next
            let keys = reply[1].array?.compactMap(\.bytes) ?? []
            if !keys.isEmpty { try await client.send(["UNLINK"] + keys) }
        } while cursor != "0"
    }

    // MARK: - Claims and leases

    public func claim(queues: [String], limit: Int, leaseDuration: Double, worker: String) async throws -> [ClaimedTask] {
        guard limit > 0, !queues.isEmpty else { return [] }
        let now = currentTimestamp()
        let reply = try await client.evalScript(
            RedisBrokerScripts.claim,
            arguments: [base, now, now + leaseDuration, worker, limit] + queues.map { $0 as any RESPArgument })
        return try (reply.array ?? []).map(Self.claimedTask(from:))
    }

    public func renew(_ leases: [TaskLease], leaseDuration: Double) async throws -> [TaskLease: LeaseStatus] {
        guard !leases.isEmpty else { return [:] }
        let now = currentTimestamp()
        var arguments: [any RESPArgument] = [base, now, now + leaseDuration]
        for lease in leases {
            arguments.append(Int(lease.taskID))
            arguments.append(Int(lease.fence))
        }
        let answers = try await client.evalScript(RedisBrokerScripts.renew, arguments: arguments).array ?? []
        var result: [TaskLease: LeaseStatus] = [:]
        for (lease, answer) in zip(leases, answers) {
            switch answer.string {
            case "R": result[lease] = .renewed
            case "S": result[lease] = .jobStopping
            default: result[lease] = .lost
            }
        }
        return result
    }

    @discardableResult
    public func reapExpiredLeases() async throws -> Int {
        let reaped = try await client.evalScript(
            RedisBrokerScripts.reap, arguments: [base, currentTimestamp(), Self.maximumLostDeliveries]
        ).int ?? 0
        // Also the place where a periodic pass left unscheduled by a crash gets queued.
        try await scheduleWaitingPasses()
        return reaped
    }

    // MARK: - Completion

    @discardableResult
    public func finish(_ completions: [TaskCompletion]) async throws -> Set<TaskLease> {
        guard !completions.isEmpty else { return [] }
        var arguments: [any RESPArgument] = [base, currentTimestamp(), completions.count]
        for completion in completions {
            arguments.append(Int(completion.lease.taskID))
            arguments.append(Int(completion.lease.fence))
            switch completion.outcome {
            case .succeeded:
                arguments.append("s")
                arguments.append("")
            case .failed(let error, let retryable):
                arguments.append(retryable ? "r" : "p")
                arguments.append(error)
            }
            arguments.append(completion.counters.count)
            for (name, value) in completion.counters {
                arguments.append(name)
                arguments.append(Int(value))
            }
            arguments.append(completion.spawned.count)
            Self.append(completion.spawned, to: &arguments)
        }
        let reply = try await client.evalScript(RedisBrokerScripts.finish, arguments: arguments).array ?? []
        let appliedIDs = Set((reply.first?.array ?? []).compactMap { $0.int.map(Int64.init) })
        // Only a completion that ended a periodic pass needs the follow-up; the reaper repairs a
        // pass left unscheduled if this process dies first.
        if reply.count == 2, reply[1].int == 1 { try await scheduleWaitingPasses() }
        return Set(completions.map(\.lease).filter { appliedIDs.contains($0.taskID) })
    }

    // MARK: - Failed registry

    public func failedTasks(job: String?, queue: String?, after: Int64?, limit: Int, order: FailedOrder) async throws -> [FailedTask] {
        // ZRANGEBYSCORE reads a LIMIT count below 0 as "all".
        guard limit > 0 else { return [] }
        let arguments: [any RESPArgument] = [
            base, job ?? "", queue ?? "", after.map(String.init) ?? "", limit, order == .newestFirst ? "n" : "o", failedIndexStep,
        ]
        var rebuilt = 0
        while true {
            let reply: RESPValue
            do {
                reply = try await client.evalScript(RedisBrokerScripts.failedTasks, arguments: arguments)
            } catch let error as RedisError where error.serverErrorCode == "REINDEX" {
                // A job's `jf:` sets written without them (an earlier version): rebuilt in steps, then asked again.
                guard case .server(let message) = error else { throw error }
                let stale = String(message.dropFirst("REINDEX ".count))
                guard rebuilt < 100 else { throw RedisBrokerError.failedRegistryUnsettled(job: stale) }
                try await reindexFailed(job: stale)
                rebuilt += 1
                continue
            }
            return (reply.array ?? []).compactMap { value in
                guard let fields = value.array, fields.count == 8 else { return nil }
                return FailedTask(
                    taskID: Int64(fields[0].int ?? 0), job: fields[1].string ?? "", queue: fields[2].string ?? "",
                    kind: fields[3].string ?? "", key: fields[4].string ?? "", error: fields[5].string ?? "",
                    attempts: fields[6].int ?? 0, failedAt: fields[7].double ?? 0)
            }
        }
    }

    /// Rebuilds a job's `jf:` sets from its tasks, `failedIndexStep` tasks per script call, joining
    /// a rebuild another client has begun.
    func reindexFailed(job: String) async throws {
        var mode = "start"
        while try await client.evalScript(RedisBrokerScripts.reindexFailed, arguments: [base, job, failedIndexStep, mode]).int != 1 {
            mode = "continue"
        }
    }

    @discardableResult
    public func requeueFailed(job: String?, queue: String?) async throws -> Int {
        try await client.evalScript(
            RedisBrokerScripts.requeue, arguments: [base, currentTimestamp(), job ?? "", queue ?? ""]
        ).int ?? 0
    }

    // MARK: - Periodic passes

    /// Queues the next pass of every periodic job whose pass ended. The Lua side cannot compute
    /// cron times, so it parks such jobs in `unscheduled`; this runs after a completion that parked
    /// one, after submit, enqueue and reap, so a client that dies in between delays a pass, never loses it.
    func scheduleWaitingPasses() async throws {
        try await queueFinalTasks()
        let waiting = try await client.send(["SMEMBERS", base + "unscheduled"]).array?.compactMap(\.string) ?? []
        for job in waiting {
            let fields = try await client.send(["HMGET", base + "job:" + job, "schedule", "pass_tasks", "pass", "pass_ended_at"])
                .array ?? []
            guard fields.count == 4, let scheduleBytes = fields[0].bytes, let templateBytes = fields[1].bytes,
                let pass = fields[2].string, let endedAt = fields[3].double
            else { continue }
            let schedule = try JSONDecoder().decode(JobSchedule.self, from: Data(scheduleBytes.readableBytesView))
            var tasks = try JSONDecoder().decode([NewTask].self, from: Data(templateBytes.readableBytesView))
            let nextRun = schedule.nextRun(after: endedAt)
            for index in tasks.indices { tasks[index].notBefore = nextRun }
            var arguments: [any RESPArgument] = [base, currentTimestamp(), job, pass, nextRun, tasks.count]
            Self.append(tasks, to: &arguments)
            try await client.evalScript(RedisBrokerScripts.schedulePass, arguments: arguments)
        }
    }

    /// Queues the final tasks of every job whose pass's own work is done (`JobDefinition.finalTasks`);
    /// like the next pass of a periodic job, parked by the Lua side and repaired by the reaper.
    private func queueFinalTasks() async throws {
        let finalizing = try await client.send(["SMEMBERS", base + "finalizing"]).array?.compactMap(\.string) ?? []
        for job in finalizing {
            let fields = try await client.send(["HMGET", base + "job:" + job, "final_tasks", "pass"]).array ?? []
            guard fields.count == 2, let pass = fields[1].string else {
                // The job is gone (forgotten): nothing to queue, ever.
                try await client.send(["SREM", base + "finalizing", job])
                continue
            }
            let tasks = try fields[0].bytes.map { try JSONDecoder().decode([NewTask].self, from: Data($0.readableBytesView)) } ?? []
            var arguments: [any RESPArgument] = [base, currentTimestamp(), job, pass, tasks.count]
            Self.append(tasks, to: &arguments)
            try await client.evalScript(RedisBrokerScripts.queueFinalTasks, arguments: arguments)
        }
    }

    // MARK: - Coding

    /// Appends tasks in the order `insert_tasks` reads them.
    static func append(_ tasks: [NewTask], to arguments: inout [any RESPArgument]) {
        arguments.reserveCapacity(arguments.count + tasks.count * 12)
        for task in tasks {
            arguments.append(task.job)
            arguments.append(task.queue)
            arguments.append(task.kind)
            arguments.append(task.key)
            arguments.append(Array(task.payload))
            arguments.append(task.retry.maxRetries)
            arguments.append(task.retry.delay)
            arguments.append(task.retry.timeout)
            arguments.append(task.entryCount)
            arguments.append(task.failedWithError ?? "")
            arguments.append(task.notBefore ?? 0)
            arguments.append(task.dependsOn.count)
            for key in task.dependsOn { arguments.append(key) }
        }
    }

    static func claimedTask(from value: RESPValue) throws -> ClaimedTask {
        guard let fields = value.array, fields.count == 13, let id = fields[0].int, let fence = fields[1].int,
            let job = fields[2].string, let queue = fields[3].string, let kind = fields[4].string,
            let key = fields[5].string, let payload = fields[6].bytes, let attempt = fields[7].int
        else {
            throw RedisError.unexpectedReply(command: "claim script", reply: "\(value)")
        }
        let profile = fields[12].string ?? ""
        return ClaimedTask(
            lease: TaskLease(taskID: Int64(id), fence: Int64(fence)), job: job, queue: queue, kind: kind, key: key,
            payload: Data(payload.readableBytesView),
            retry: RetryPolicy(
                maxRetries: fields[8].int ?? 0, delay: fields[9].double ?? 0, timeout: fields[10].double ?? 3600),
            entryCount: fields[11].int ?? 1, attempt: attempt, profileFilename: profile.isEmpty ? nil : profile)
    }

    /// A pass summary as the Lua side writes it with `cjson`: counters as a flat name/value list.
    private struct StoredPass: Decodable {
        var pass: Int
        var state: String
        var started_at: String
        var finished_at: String
        var counters: [String]
    }

    static func decodePass(_ data: Data) throws -> JobPass {
        let stored = try JSONDecoder().decode(StoredPass.self, from: data)
        var counters: [String: Int64] = [:]
        for index in stride(from: 0, to: stored.counters.count - 1, by: 2) {
            counters[stored.counters[index]] = Int64(stored.counters[index + 1]) ?? 0
        }
        return JobPass(
            pass: stored.pass, state: JobState(rawValue: stored.state) ?? .failed,
            startedAt: Double(stored.started_at) ?? 0, finishedAt: Double(stored.finished_at) ?? 0, counters: counters)
    }

    /// Reads job hashes and counters in one pipelined round trip.
    func statuses(of names: [String]) async throws -> [JobStatus] {
        guard !names.isEmpty else { return [] }
        var commands: [[any RESPArgument]] = []
        for name in names {
            commands.append(["HGETALL", base + "job:" + name])
            commands.append(["HGETALL", base + "jc:" + name])
        }
        let replies = try await client.pipeline(commands)
        var statuses: [JobStatus] = []
        for (index, name) in names.enumerated() {
            var fields: [String: ByteBuffer] = [:]
            for (field, value) in replies[2 * index].map ?? [] {
                if let field = field.string, let value = value.bytes { fields[field] = value }
            }
            guard !fields.isEmpty else { continue }
            var counters: [String: Int64] = [:]
            for (field, value) in replies[2 * index + 1].map ?? [] {
                if let field = field.string, let value = value.int { counters[field] = Int64(value) }
            }
            func text(_ field: String) -> String? { fields[field].map { String(buffer: $0) } }
            func number(_ field: String) -> Double? { text(field).flatMap(Double.init) }
            func count(_ field: String) -> Int64 { text(field).flatMap { Int64($0) } ?? 0 }
            let schedule = try fields["schedule"].map {
                try JSONDecoder().decode(JobSchedule.self, from: Data($0.readableBytesView))
            }
            let lastPass = try fields["last_pass"].map { try Self.decodePass(Data($0.readableBytesView)) }
            statuses.append(JobStatus(
                name: name, kind: text("kind") ?? "", spec: fields["spec"].map { Data($0.readableBytesView) } ?? Data(),
                state: text("state").flatMap(JobState.init(rawValue:)) ?? .failed,
                createdAt: number("created_at") ?? 0, startedAt: number("started_at"), finishedAt: number("finished_at"),
                pendingTasks: count("pending"), runningTasks: count("running"), blockedTasks: count("blocked"),
                counters: counters, schedule: schedule, pass: Int(count("pass")), nextRunAt: number("next_run_at"),
                lastPass: lastPass))
        }
        return statuses
    }

    /// Escapes the glob characters `SCAN MATCH` would interpret in a prefix.
    static func globEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

/// Why a Redis server cannot serve as a broker.
public enum RedisBrokerError: Error, CustomStringConvertible, Equatable {
    case evictionPolicy(policy: String, url: String)
    /// A job's failed sets still disagreed with its failure counts after many rebuilds: something
    /// that does not keep them (an earlier Ingest's workers) keeps changing the job's failures.
    case failedRegistryUnsettled(job: String)

    public var description: String {
        switch self {
        case .evictionPolicy(let policy, let url):
            "Redis at \(url) has maxmemory-policy \(policy), which may evict Ingest's queues and lose work; "
                + "set `maxmemory-policy noeviction` (redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf)"
        case .failedRegistryUnsettled(let job):
            "the failed tasks of job '\(job)' kept changing while their index was rebuilt, as workers of an earlier "
                + "Ingest version would change them; stop those workers (or upgrade them) and list the failures again"
        }
    }
}
