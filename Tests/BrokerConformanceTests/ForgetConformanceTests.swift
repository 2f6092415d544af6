import Foundation
import IngestCore
import IngestTesting
import Testing

/// `forget`: one ended job goes, with its counters and failures; active jobs and other jobs stay.
@Suite struct ForgetConformanceTests {
    @Test(arguments: BrokerFactory.available)
    func anEndedJobIsForgottenAndAnActiveOneIsRefused(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test("ended"), tasks: [.test(job: "ended", key: "bad")])
        try await broker.submit(.test("active"), tasks: [.test(job: "active", queue: "other", key: "waiting")])
        let task = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: task.lease, outcome: .failed(error: "broken", retryable: false))])
        #expect(try await broker.job(named: "ended")?.state == .failed)
        #expect(try await broker.failedTasks(job: "ended", queue: nil, limit: 10).count == 1)

        await #expect(throws: IngestError.jobAlreadyActive("active")) { try await broker.forget(job: "active") }
        try await broker.forget(job: "ended")
        #expect(try await broker.job(named: "ended") == nil)
        #expect(try await broker.failedTasks(job: "ended", queue: nil, limit: 10).isEmpty)
        #expect(try await broker.jobs().map(\.name) == ["active"])
        await #expect(throws: IngestError.jobNotFound("ended")) { try await broker.forget(job: "ended") }
    }
}
