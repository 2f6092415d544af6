import Foundation
import IngestCore
import IngestTesting
import Testing

/// Dependency sets, `enqueue`, per-queue counts and queue names, on every broker.
@Suite struct DependencyConformanceTests {
    private static func parent(_ key: String = "parent", of children: [String], queue: String = "up") -> NewTask {
        var task = NewTask.test(queue: queue, key: key)
        task.dependsOn = children
        return task
    }

    private static func succeed(_ tasks: [ClaimedTask], on broker: any Broker) async throws {
        try await broker.finish(tasks.map { TaskCompletion(lease: $0.lease, outcome: .succeeded) })
    }

    @Test(arguments: BrokerFactory.available)
    func parentIsClaimableOnlyAfterEveryChildSucceeded(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        // The parent comes first in the batch: order within a submission does not matter.
        try await broker.submit(.test(), tasks: [Self.parent(of: ["c1", "c2", "c3"])] + ["c1", "c2", "c3"].map { .test(key: $0) })
        var status = try #require(try await broker.job(named: "job"))
        #expect(status.blockedTasks == 1)
        #expect(status.pendingTasks == 3)

        let children = try await broker.claim(queues: ["q", "up"], limit: 10, leaseDuration: 30, worker: "w")
        #expect(Set(children.map(\.key)) == ["c1", "c2", "c3"])
        try await Self.succeed(Array(children.prefix(2)), on: broker)
        #expect(try await broker.claim(queues: ["up"], limit: 10, leaseDuration: 30, worker: "w").isEmpty)
        #expect(try await broker.queueCounts(job: "job")["up"] == QueueCounts(blocked: 1))

        try await Self.succeed([children[2]], on: broker)
        #expect(try await broker.queueCounts(job: "job")["up"] == QueueCounts(ready: 1))
        let parent = try await broker.claim(queues: ["up"], limit: 10, leaseDuration: 30, worker: "w")
        #expect(parent.map(\.key) == ["parent"])
        status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .running)
        try await Self.succeed(parent, on: broker)
        status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.counter(Counter.tasksDone) == 4)
        #expect(status.blockedTasks == 0)
    }

    @Test(arguments: BrokerFactory.available)
    func concurrentLastCompletionsQueueTheParentExactlyOnce(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        for round in 0..<5 {
            let job = "job\(round)"
            let childKeys = (0..<16).map { "c\($0)" }
            try await broker.submit(
                .test(job), tasks: [NewTask.test(job: job, queue: "up", key: "p")].map { var t = $0; t.dependsOn = childKeys; return t }
                    + childKeys.map { .test(job: job, key: $0) })
            let children = try await broker.claim(queues: ["q"], limit: 16, leaseDuration: 30, worker: "w")
            #expect(children.count == 16)
            // Sixteen workers finish one child each at the same moment, each with a duplicate.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for child in children {
                    group.addTask { try await broker.finish([TaskCompletion(lease: child.lease, outcome: .succeeded)]) }
                    group.addTask { try await broker.finish([TaskCompletion(lease: child.lease, outcome: .succeeded)]) }
                }
                try await group.waitForAll()
            }
            let parents = try await broker.claim(queues: ["up"], limit: 10, leaseDuration: 30, worker: "w")
            #expect(parents.map(\.key) == ["p"])
            let status = try #require(try await broker.job(named: job))
            #expect(status.counter(Counter.tasksDone) == 16)
            #expect(status.pendingTasks == 1)
        }
    }

    @Test(arguments: BrokerFactory.available)
    func aFailedChildLeavesItsParentBlockedUntilRequeuedAndDone(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "good"), .test(key: "bad"), Self.parent(of: ["good", "bad"])])
        let children = try await broker.claim(queues: ["q"], limit: 10, leaseDuration: 30, worker: "w")
        let bad = try #require(children.first { $0.key == "bad" })
        let good = try #require(children.first { $0.key == "good" })
        try await broker.finish([
            TaskCompletion(lease: good.lease, outcome: .succeeded),
            TaskCompletion(lease: bad.lease, outcome: .failed(error: "truncated edge file", retryable: false)),
        ])
        var status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .failed)
        #expect(status.blockedTasks == 1)
        #expect(try await broker.queueCounts(job: "job") == ["q": QueueCounts(failed: 1), "up": QueueCounts(blocked: 1)])

        #expect(try await broker.requeueFailed(job: "job", queue: "q") == 1)
        let retried = try await broker.claim(queues: ["up", "q"], limit: 10, leaseDuration: 30, worker: "w")
        #expect(retried.map(\.key) == ["bad"])
        try await Self.succeed(retried, on: broker)
        let parent = try await broker.claim(queues: ["up", "q"], limit: 10, leaseDuration: 30, worker: "w")
        #expect(parent.map(\.key) == ["parent"])
        try await Self.succeed(parent, on: broker)
        status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.blockedTasks == 0)
    }

    @Test(arguments: BrokerFactory.available)
    func aDependencyWithNoUnfinishedTaskIsAlreadySatisfied(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "c1"), Self.parent(of: ["c1", "never-submitted"])])
        let first = try await broker.claim(queues: ["q", "up"], limit: 10, leaseDuration: 30, worker: "w")
        #expect(first.map(\.key) == ["c1"])
        try await Self.succeed(first, on: broker)
        // Enqueued after its only child finished: nothing to wait for.
        try await broker.enqueue([Self.parent("late", of: ["c1"])])
        let parents = try await broker.claim(queues: ["up"], limit: 10, leaseDuration: 30, worker: "w")
        #expect(Set(parents.map(\.key)) == ["parent", "late"])
    }

    @Test(arguments: BrokerFactory.available)
    func enqueueAddsTasksToAnEndedJobAndReopensIt(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "a")])
        try await Self.succeed(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w"), on: broker)
        #expect(try await broker.job(named: "job")?.state == .completed)

        try await broker.enqueue([.test(key: "b"), .test(key: "c")])
        var status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .running)
        #expect(status.pendingTasks == 2)
        #expect(status.tasksTotal == 3)
        #expect(status.finishedAt == nil)
        try await Self.succeed(try await broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w"), on: broker)
        status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.counter(Counter.tasksDone) == 3)

        await #expect(throws: IngestError.jobNotFound("nobody")) {
            try await broker.enqueue([.test(job: "nobody", key: "x")])
        }
    }

    @Test(arguments: BrokerFactory.available)
    func queueCountsShowReadyRunningBlockedAndFailedPerQueue(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [
            .test(queue: "l2", key: "a"), .test(queue: "l2", key: "b"), .test(queue: "l2", key: "c"),
            Self.parent("p", of: ["a", "b", "c"], queue: "l3"),
        ])
        #expect(try await broker.queueCounts(job: "job") == ["l2": QueueCounts(ready: 3), "l3": QueueCounts(blocked: 1)])
        let claimed = try await broker.claim(queues: ["l2"], limit: 2, leaseDuration: 30, worker: "w")
        try await broker.finish([TaskCompletion(lease: claimed[0].lease, outcome: .failed(error: "x", retryable: false))])
        #expect(try await broker.queueCounts(job: "job") == [
            "l2": QueueCounts(ready: 1, running: 1, failed: 1), "l3": QueueCounts(blocked: 1),
        ])
        #expect(try await broker.queueCounts(job: "other").isEmpty)
    }

    @Test(arguments: BrokerFactory.available)
    func queueNamesListEveryQueueUntilFlushed(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(queue: "l2", key: "a"), .test(queue: "l3", key: "b")])
        try await broker.submit(.test("other"), tasks: [.test(job: "other", queue: "path", key: "c")])
        #expect(try await broker.queueNames() == ["l2", "l3", "path"])
        try await broker.flush()
        #expect(try await broker.queueNames().isEmpty)
    }

    @Test(arguments: BrokerFactory.available)
    func stopCancelsBlockedTasksToo(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "a"), Self.parent(of: ["a"])])
        let running = try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w")
        var status = try await broker.stop(job: "job")
        #expect(status.state == .stopping)
        #expect(status.counter(Counter.tasksCancelled) == 1)
        #expect(status.blockedTasks == 0)
        try await Self.succeed(running, on: broker)
        status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .stopped)
        #expect(try await broker.claim(queues: ["q", "up"], limit: 10, leaseDuration: 30, worker: "w").isEmpty)
        await #expect(throws: Never.self) { try await broker.enqueue([.test(key: "again")]) }
    }
}
