import Foundation
import IngestCore
@testable import IngestRedis
import IngestTesting
import Testing

/// The Redis failed registry's per-job sets (`jf:`): kept by every script, and rebuilt for a
/// registry an earlier version wrote without them.
@Suite struct RedisFailedPageTests {
    /// - Parameter step: Most tasks one script reads to rebuild a job's sets; a job with more is
    ///   rebuilt in steps.
    private func broker(step: Int = 10_000) throws -> RedisBroker {
        RedisBroker(
            client: RedisClient(url: try TestServers.redisURL()), keyPrefix: "ingest-test-\(UUID().uuidString):", failedIndexStep: step)
    }

    /// Rebuilt in one script (the job has fewer tasks than a step) and in steps of 7 tasks.
    static let steps = [10_000, 7]

    private func setKey(_ subject: RedisBroker, job: String, queue: String) -> String {
        subject.base + "jf:\(job.utf8.count):\(job):\(queue)"
    }

    private func keys(_ subject: RedisBroker, matching pattern: String) async throws -> [String] {
        var keys: [String] = []
        var cursor = "0"
        repeat {
            let reply = try await subject.client.send(["SCAN", cursor, "MATCH", RedisBroker.globEscaped(subject.base) + pattern, "COUNT", 1000]).array ?? []
            cursor = reply.first?.string ?? "0"
            keys += reply.last?.array?.compactMap(\.string) ?? []
        } while cursor != "0"
        return keys
    }

    /// The `jf:` sets as stored, by key.
    private func jobSets(_ subject: RedisBroker) async throws -> [String: [Int]] {
        var sets: [String: [Int]] = [:]
        for key in try await keys(subject, matching: "jf:*") {
            sets[key] = try await subject.client.send(["ZRANGE", key, 0, -1]).array?.compactMap(\.int) ?? []
        }
        return sets
    }

    /// What the `jf:` sets must hold: `failed`, split by each task's job and queue.
    private func registrySplit(_ subject: RedisBroker) async throws -> [String: [Int]] {
        var sets: [String: [Int]] = [:]
        for id in try await subject.client.send(["ZRANGE", subject.base + "failed", 0, -1]).array?.compactMap(\.int) ?? [] {
            let fields = try await subject.client.send(["HMGET", subject.base + "t:\(id)", "job", "queue"]).array ?? []
            let job = try #require(fields.first?.string)
            let queue = try #require(fields.last?.string)
            sets[setKey(subject, job: job, queue: queue), default: []].append(id)
        }
        return sets
    }

    @Test func everyScriptThatChangesTheRegistryKeepsTheJobSetsEqualToIt() async throws {
        let subject = try broker()
        // Failed when queued, and through finish.
        try await FailedPageConformanceTests.interleavedFailures(subject)
        #expect(try await jobSets(subject) == registrySplit(subject))
        #expect(try await jobSets(subject).values.map(\.count).reduce(0, +) == 61)

        // Through reap: a task whose worker vanished three times.
        try await subject.submit(.test("lost"), tasks: [.test(job: "lost", queue: "q3", key: "crashy")])
        for _ in 0..<RedisBroker.maximumLostDeliveries {
            #expect(try await subject.claim(queues: ["q3"], limit: 1, leaseDuration: 0.01, worker: "w").count == 1)
            try await Task.sleep(for: .milliseconds(30))
            try await subject.reapExpiredLeases()
        }
        #expect(try await subject.job(named: "lost")?.tasksFailed == 1)
        #expect(try await jobSets(subject) == registrySplit(subject))

        // Requeue by job and by queue, forget, and a new submission of an ended job.
        #expect(try await subject.requeueFailed(job: "a", queue: nil) == 31)
        #expect(try await jobSets(subject) == registrySplit(subject))
        #expect(try await subject.requeueFailed(job: nil, queue: "q2") == 20)
        #expect(try await jobSets(subject) == registrySplit(subject))
        try await subject.forget(job: "lost")
        try await subject.submit(.test("c"), tasks: [FailedPageConformanceTests.failing(job: "c", queue: "q9", key: "first")])
        try await subject.submit(.test("c"), tasks: [FailedPageConformanceTests.failing(job: "c", queue: "q8", key: "again")])
        #expect(try await jobSets(subject) == registrySplit(subject))
        #expect(try await jobSets(subject).keys.sorted() == [setKey(subject, job: "b", queue: "q1"), setKey(subject, job: "c", queue: "q8")].sorted())
    }

    @Test func aPeriodicPassDropsTheFailuresOfEarlierPassesFromTheJobSets() async throws {
        let subject = try broker()
        let job = JobDefinition(name: "nightly", kind: "test", spec: Data("{}".utf8), schedule: .interval(seconds: 0.1))
        try await subject.submit(job, tasks: [.test(job: "nightly", key: "root")])
        let first = try #require(try await subject.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await subject.finish([TaskCompletion(lease: first.lease, outcome: .failed(error: "pass 1", retryable: false))])
        #expect(try await jobSets(subject).values.map(\.count) == [1])

        try await Task.sleep(for: .milliseconds(200))
        let second = try #require(try await subject.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await subject.finish([TaskCompletion(lease: second.lease, outcome: .succeeded)])
        #expect(try await subject.job(named: "nightly")?.pass == 3)
        #expect(try await jobSets(subject).isEmpty)
        #expect(try await registrySplit(subject).isEmpty)
    }

    @Test(arguments: steps)
    func aRegistryWrittenWithoutJobSetsIsPagedAndIndexedAtItsFirstRead(_ step: Int) async throws {
        let subject = try broker(step: step)
        try await FailedPageConformanceTests.interleavedFailures(subject)
        let expected = try await registrySplit(subject)
        // What an earlier version leaves: `failed` and the `jq:` counts, no `jf:` sets.
        for key in try await keys(subject, matching: "jf:*") { try await subject.client.send(["DEL", key]) }
        #expect(try await jobSets(subject).isEmpty)

        let everything = try await subject.failedTasks(job: nil, queue: nil, after: nil, limit: 100)
        #expect(everything.count == 61)
        let byQueue = try await FailedPageConformanceTests.allPages(subject, job: nil, queue: "q1", limit: 5, order: .newestFirst).tasks
        #expect(byQueue.map(\.taskID) == everything.filter { $0.queue == "q1" }.map(\.taskID).reversed())
        let byJob = try await FailedPageConformanceTests.allPages(subject, job: "b", queue: nil, limit: 5, order: .oldestFirst).tasks
        #expect(byJob.map(\.taskID) == everything.filter { $0.job == "b" }.map(\.taskID))
        #expect(try await jobSets(subject) == expected)
    }

    @Test(arguments: steps)
    func aJobSetThatDisagreesWithTheRegistryIsRebuiltBeforeItIsPaged(_ step: Int) async throws {
        let subject = try broker(step: step)
        try await FailedPageConformanceTests.interleavedFailures(subject)
        let expected = try await registrySplit(subject)
        let everything = try await subject.failedTasks(job: "a", queue: "q1", after: nil, limit: 100)
        let key = setKey(subject, job: "a", queue: "q1")
        let (gone, other) = (try #require(everything.first?.taskID), try #require(everything.last?.taskID))

        // A failure recorded by an earlier version's worker: in `failed` and counted, not in the set.
        try await subject.client.send(["ZREM", key, Int(gone)])
        #expect(try await subject.failedTasks(job: "a", queue: nil, after: nil, limit: 100).map(\.taskID).first == gone)
        #expect(try await jobSets(subject) == expected)

        // As many members as failures, but one of them is not a failure of this job and queue.
        try await subject.client.send(["ZREM", key, Int(other)])
        try await subject.client.send(["ZADD", key, Int(gone) + 1, Int(gone) + 1])
        #expect(try await subject.failedTasks(job: "a", queue: "q1", after: nil, limit: 100).map(\.taskID) == everything.map(\.taskID))
        #expect(try await jobSets(subject) == expected)
    }

    @Test func aRebuildLeftHalfDoneByAClientThatStoppedIsFinishedByTheNextPage() async throws {
        let subject = try broker(step: 50)
        // More tasks than a small set holds (512), so SSCAN goes through them in steps.
        try await subject.submit(.test("a"), tasks: (0..<600).map { FailedPageConformanceTests.failing(job: "a", key: "k\($0)") })
        let expected = try await registrySplit(subject)
        for key in try await keys(subject, matching: "jf:*") { try await subject.client.send(["DEL", key]) }
        // One step of a rebuild, then nothing more from that client.
        let done = try await subject.client.evalScript(RedisBrokerScripts.reindexFailed, arguments: [subject.base, "a", 50, "start"])
        #expect(done.int == 0)
        #expect(try await keys(subject, matching: "jfx:*").count == 1)

        let page = try await subject.failedTasks(job: "a", queue: nil, after: nil, limit: 1000)
        #expect(page.map(\.key) == (0..<600).map { "k\($0)" })
        #expect(try await jobSets(subject) == expected)
        #expect(try await keys(subject, matching: "jfx:*").isEmpty)
    }
}
