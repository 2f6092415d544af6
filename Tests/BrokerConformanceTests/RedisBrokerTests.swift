import Foundation
import IngestCore
@testable import IngestRedis
import IngestTesting
import Testing

/// What only the Redis broker has: a shared database, eviction policies, a key prefix.
@Suite struct RedisBrokerTests {
    private func broker(prefix: String = "ingest-test-\(UUID().uuidString):") throws -> RedisBroker {
        RedisBroker(url: try TestServers.redisURL(), keyPrefix: prefix)
    }

    @Test func flushRemovesOnlyKeysUnderItsPrefix() async throws {
        let ours = try broker()
        let neighbour = try broker()
        let foreignKey = "someone-else:\(UUID().uuidString)"
        try await ours.client.send(["SET", foreignKey, "keep me"])
        try await ours.submit(.test(), tasks: [.test(key: "a")])
        try await neighbour.submit(.test(), tasks: [.test(key: "b")])

        try await ours.flush()
        #expect(try await ours.jobs().isEmpty)
        #expect(try await ours.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w").isEmpty)
        #expect(try await neighbour.job(named: "job")?.pendingTasks == 1)
        #expect(try await ours.client.send(["GET", foreignKey]).string == "keep me")
        try await ours.client.send(["DEL", foreignKey])
    }

    @Test func aPrefixWithGlobCharactersFlushesOnlyItself() async throws {
        let id = UUID().uuidString
        let starred = try broker(prefix: "t*\(id):")
        let plain = try broker(prefix: "tx\(id):")
        try await starred.submit(.test(), tasks: [.test(key: "a")])
        try await plain.submit(.test(), tasks: [.test(key: "b")])
        try await starred.flush()
        #expect(try await starred.jobs().isEmpty)
        #expect(try await plain.jobs().count == 1)
    }

    @Test func aServerThatEvictsKeysIsRefusedWithTheFix() async throws {
        try await broker().checkEvictionPolicy()
        let evicting = try PrivateRedisServer(extraArguments: ["--maxmemory-policy", "allkeys-lru"])
        let subject = RedisBroker(url: try evicting.url)
        let expected = RedisBrokerError.evictionPolicy(policy: "allkeys-lru", url: try evicting.url.redacted)
        await #expect(throws: expected) { try await subject.checkEvictionPolicy() }
        #expect(expected.description.contains("maxmemory-policy noeviction"))
        await subject.close()
    }

    @Test func aPassLeftUnscheduledByACrashedClientIsQueuedByTheReaper() async throws {
        let subject = try broker()
        let job = JobDefinition(name: "nightly", kind: "test", spec: Data("{}".utf8), schedule: .interval(seconds: 0.2))
        try await subject.submit(job, tasks: [.test(job: "nightly", key: "root")])
        let task = try #require(try await subject.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        // What a client that dies right after its completion script leaves behind: the pass ended
        // in Redis, the call that queues the next pass never came.
        try await subject.client.evalScript(RedisBrokerScripts.finish, arguments: [
            subject.base, currentTimestamp(), 1, Int(task.lease.taskID), Int(task.lease.fence), "s", "", 0, 0,
        ])
        var status = try #require(try await subject.job(named: "nightly"))
        #expect(status.state == .waiting)
        #expect(status.pass == 2)
        #expect(status.nextRunAt == nil)
        #expect(try await subject.history(job: "nightly").map(\.state) == [.completed])

        _ = try await subject.reapExpiredLeases()
        status = try #require(try await subject.job(named: "nightly"))
        #expect(status.nextRunAt != nil)
        #expect(status.pendingTasks == 1)
        try await Task.sleep(for: .milliseconds(300))
        let next = try await subject.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w")
        #expect(next.map(\.key) == ["root"])
        // A second repair finds nothing to do: the pass is queued once.
        _ = try await subject.reapExpiredLeases()
        #expect(try await subject.job(named: "nightly")?.pendingTasks == 1)
    }
}
