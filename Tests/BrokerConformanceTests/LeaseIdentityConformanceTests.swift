import Foundation
import IngestCore
import IngestTesting
import Testing

/// A lease names one delivery of one task, forever: workers key their books by it, and the broker
/// fences completions by it. A task id handed out twice would let one task's completion end another.
@Suite struct LeaseIdentityConformanceTests {
    @Test(arguments: BrokerFactory.available)
    func aTaskSpawnedByTheLastTaskGetsAnIdOfItsOwn(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        let root = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        // The root is the newest task and ends here: its id must not come back for its child.
        try await broker.finish([TaskCompletion(lease: root.lease, outcome: .succeeded, spawned: [.test(key: "child")])])
        let child = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        #expect(child.lease.taskID != root.lease.taskID)
        // The root's completion, sent again (a retry after a lost reply), must not end the child.
        try await broker.finish([TaskCompletion(lease: root.lease, outcome: .failed(error: "late", retryable: false))])
        #expect(try await broker.job(named: "job")?.state == .running)
        let renewed = try await broker.renew([child.lease], leaseDuration: 30)
        #expect(renewed[child.lease] == .renewed)
    }

    @Test(arguments: BrokerFactory.available)
    func idsAreNotReusedAfterAJobIsForgotten(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test("one"), tasks: [.test(job: "one", key: "root")])
        let first = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: first.lease, outcome: .succeeded)])
        try await broker.submit(.test("two"), tasks: [.test(job: "two", key: "root")])
        let second = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        #expect(second.lease.taskID != first.lease.taskID)
    }
}
