import Foundation
import IngestCore
import IngestTesting
import Testing

/// `JobDefinition.finalTasks`: run once a pass's own work is done, and the pass ends after them.
@Suite struct FinalTaskConformanceTests {
    private func job(_ name: String = "job", schedule: JobSchedule? = nil) -> JobDefinition {
        var job = JobDefinition.test(name)
        job.schedule = schedule
        job.finalTasks = [.test(job: name, queue: "end", key: "finish")]
        return job
    }

    private func complete(_ broker: any Broker, queue: String, spawned: [NewTask] = [], outcome: TaskOutcome = .succeeded) async throws -> String? {
        guard let task = try await broker.claim(queues: [queue], limit: 1, leaseDuration: 30, worker: "w").first else { return nil }
        try await broker.finish([TaskCompletion(lease: task.lease, outcome: outcome, spawned: spawned)])
        return task.key
    }

    @Test(arguments: BrokerFactory.available)
    func finalTaskRunsAfterEveryOtherTaskAndThePassEndsAfterIt(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(job(), tasks: [.test(key: "root")])
        #expect(try await broker.claim(queues: ["end"], limit: 1, leaseDuration: 30, worker: "w").isEmpty, "not while work is queued")
        #expect(try await complete(broker, queue: "q", spawned: [.test(key: "child")]) == "root")
        #expect(try await broker.claim(queues: ["end"], limit: 1, leaseDuration: 30, worker: "w").isEmpty, "not while a spawned task is left")
        #expect(try await complete(broker, queue: "q") == "child")
        #expect(try await broker.job(named: "job")?.state == .running, "the pass waits for its final task")
        #expect(try await complete(broker, queue: "end") == "finish")
        let status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.counter(Counter.tasksDone) == 3)
        #expect(try await broker.claim(queues: ["end", "q"], limit: 5, leaseDuration: 30, worker: "w").isEmpty, "once per pass")
    }

    @Test(arguments: BrokerFactory.available)
    func finalTaskRunsAfterFailuresTooAndAStoppedJobSkipsIt(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(job("failing"), tasks: [.test(job: "failing", key: "root")])
        #expect(try await complete(broker, queue: "q", outcome: .failed(error: "boom", retryable: false)) == "root")
        #expect(try await complete(broker, queue: "end") == "finish")
        #expect(try await broker.job(named: "failing")?.state == .failed)

        try await broker.submit(job("stopped"), tasks: [.test(job: "stopped", key: "root")])
        try await broker.stop(job: "stopped")
        #expect(try await broker.claim(queues: ["end", "q"], limit: 5, leaseDuration: 30, worker: "w").isEmpty)
        #expect(try await broker.job(named: "stopped")?.state == .stopped)
    }

    @Test(arguments: BrokerFactory.available)
    func everyPassOfAPeriodicJobEndsWithItsFinalTask(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(job("nightly", schedule: .interval(seconds: 0.1)), tasks: [.test(job: "nightly", key: "restart")])
        for pass in 1...2 {
            var finished: [String] = []
            let deadline = Date().addingTimeInterval(10)
            while finished.count < 2 && Date() < deadline {
                var key = try await complete(broker, queue: "q")
                if key == nil { key = try await complete(broker, queue: "end") }
                if let key {
                    finished.append(key)
                } else {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(finished == ["restart", "finish"], "pass \(pass)")
        }
        let history = try await broker.history(job: "nightly")
        #expect(history.prefix(2).map { $0.counters[Counter.tasksDone] } == [2, 2])
    }

    @Test(arguments: BrokerFactory.available)
    func workAddedAfterTheFinalTaskRanRunsItAgain(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(job(), tasks: [.test(key: "root")])
        #expect(try await complete(broker, queue: "q", outcome: .failed(error: "boom", retryable: false)) == "root")
        #expect(try await complete(broker, queue: "end") == "finish")
        #expect(try await broker.requeueFailed(job: "job", queue: nil) == 1)
        #expect(try await complete(broker, queue: "q") == "root")
        #expect(try await complete(broker, queue: "end") == "finish", "the reopened pass ends with its final task again")
        #expect(try await broker.job(named: "job")?.state == .completed)
    }
}
