import Foundation
import IngestCore
import IngestTesting
import Testing

/// A job's start is its first claim, not its submission: rates and elapsed time of a job that
/// waited for a worker count from the work (issue 12, B10).
@Suite struct StartTimeConformanceTests {
    @Test(arguments: BrokerFactory.available)
    func aJobStartsWithItsFirstClaim(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test("waits"), tasks: [.test(job: "waits", key: "a"), .test(job: "waits", key: "b")])
        let queued = try #require(try await broker.job(named: "waits"))
        #expect(queued.startedAt == nil)
        #expect(queued.elapsed == 0, "nothing has run yet")

        try await Task.sleep(for: .milliseconds(300))
        let first = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        let running = try #require(try await broker.job(named: "waits"))
        let started = try #require(running.startedAt)
        #expect(started - running.createdAt >= 0.3, "started at the claim, 0.3 s after the submission")
        #expect(running.elapsed < currentTimestamp() - running.createdAt - 0.25)

        try await broker.finish([TaskCompletion(lease: first.lease, outcome: .succeeded)])
        let second = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        #expect(try await broker.job(named: "waits")?.startedAt == started, "a later claim keeps the start")
        try await broker.finish([TaskCompletion(lease: second.lease, outcome: .succeeded)])
        let ended = try #require(try await broker.job(named: "waits"))
        #expect(ended.state == .completed && ended.startedAt == started)

        try await broker.submit(.test("waits"), tasks: [.test(job: "waits", key: "c")])
        #expect(try await broker.job(named: "waits")?.startedAt == nil, "a job submitted again under the name starts anew")
    }
}
