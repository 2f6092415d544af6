import Foundation
import IngestCore
import IngestTesting
import Testing

/// Behaviour every `Broker` must have, run unchanged against each implementation.
@Suite struct BrokerConformanceTests {
    @Test(arguments: BrokerFactory.available)
    func claimedTasksAreLeasedToOneWorkerOnly(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: (0..<5).map { .test(key: "k\($0)") })
        let first = try await broker.claim(queues: ["q"], limit: 3, leaseDuration: 30, worker: "a")
        let second = try await broker.claim(queues: ["q"], limit: 10, leaseDuration: 30, worker: "b")
        #expect(first.count == 3)
        #expect(second.count == 2)
        #expect(Set(first.map(\.key)).isDisjoint(with: Set(second.map(\.key))))
        #expect(try await broker.claim(queues: ["q"], limit: 10, leaseDuration: 30, worker: "c").isEmpty)
    }

    @Test(arguments: BrokerFactory.available)
    func queuesAreTakenInTheOrderGiven(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(queue: "low", key: "l"), .test(queue: "high", key: "h"), .test(queue: "other", key: "o")])
        let claimed = try await broker.claim(queues: ["high", "low"], limit: 1, leaseDuration: 30, worker: "w")
        #expect(claimed.map(\.key) == ["h"])
        let rest = try await broker.claim(queues: ["high", "low"], limit: 5, leaseDuration: 30, worker: "w")
        #expect(rest.map(\.key) == ["l"])
    }

    @Test(arguments: BrokerFactory.available)
    func theSameCompletionTwiceInOneCallCountsOnce(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root"), .test(key: "other")])
        let claimed = try await broker.claim(queues: ["q"], limit: 2, leaseDuration: 30, worker: "w")
        let root = try #require(claimed.first { $0.key == "root" })
        let completion = TaskCompletion(
            lease: root.lease, outcome: .succeeded, spawned: [.test(key: "child")], counters: [Counter.entriesCreated: 5])
        let applied = try await broker.finish([completion, completion])
        #expect(applied == [root.lease])
        let status = try #require(try await broker.job(named: "job"))
        #expect(status.counter(Counter.tasksDone) == 1)
        #expect(status.counter(Counter.entriesCreated) == 5)
        #expect(status.tasksTotal == 3)
        #expect(status.pendingTasks == 2)
        let children = try await broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w")
        #expect(children.map(\.key) == ["child"])
    }

    @Test(arguments: BrokerFactory.available)
    func jobCompletesExactlyWhenItsLastTaskEnds(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        #expect(try await broker.job(named: "job")?.state == .queued)
        let root = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        #expect(try await broker.job(named: "job")?.state == .running)
        try await broker.finish([TaskCompletion(lease: root.lease, outcome: .succeeded, spawned: [.test(key: "a"), .test(key: "b")])])
        #expect(try await broker.job(named: "job")?.state == .running)
        let children = try await broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w")
        try await broker.finish([TaskCompletion(lease: children[0].lease, outcome: .succeeded)])
        #expect(try await broker.job(named: "job")?.state == .running)
        try await broker.finish([TaskCompletion(lease: children[1].lease, outcome: .succeeded, counters: [Counter.entriesCreated: 7])])
        let status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.pendingTasks == 0)
        #expect(status.tasksTotal == 3)
        #expect(status.counter(Counter.tasksDone) == 3)
        #expect(status.counter(Counter.entriesCreated) == 7)
        #expect(status.finishedAt != nil)
    }

    @Test(arguments: BrokerFactory.available)
    func staleCompletionIsIgnoredWithItsCountersAndSpawnedTasks(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "only")])
        let firstClaim = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 0.05, worker: "slow").first)
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await broker.reapExpiredLeases() == 1)
        let secondClaim = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "fast").first)
        #expect(secondClaim.lease.taskID == firstClaim.lease.taskID)
        #expect(secondClaim.lease.fence != firstClaim.lease.fence)
        #expect(secondClaim.attempt == 2)

        let applied = try await broker.finish([TaskCompletion(
            lease: firstClaim.lease, outcome: .succeeded, spawned: [.test(key: "ghost")], counters: [Counter.entriesCreated: 100])])
        #expect(applied.isEmpty)
        var status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .running)
        #expect(status.counter(Counter.entriesCreated) == 0)

        try await broker.finish([TaskCompletion(lease: secondClaim.lease, outcome: .succeeded, counters: [Counter.entriesCreated: 1])])
        status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.counter(Counter.entriesCreated) == 1)
        #expect(status.tasksRetried == 1)
        #expect(try await broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w").isEmpty)
    }

    @Test(arguments: BrokerFactory.available)
    func renewalKeepsALeaseAndReportsLostOnes(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "a"), .test(key: "b")])
        let claimed = try await broker.claim(queues: ["q"], limit: 2, leaseDuration: 0.3, worker: "w")
        try await Task.sleep(for: .milliseconds(150))
        let renewed = try await broker.renew([claimed[0].lease], leaseDuration: 30)
        #expect(renewed[claimed[0].lease] == .renewed)
        try await Task.sleep(for: .milliseconds(250))
        #expect(try await broker.reapExpiredLeases() == 1)
        let answer = try await broker.renew(claimed.map(\.lease), leaseDuration: 30)
        #expect(answer[claimed[0].lease] == .renewed)
        #expect(answer[claimed[1].lease] == .lost)
    }

    @Test(arguments: BrokerFactory.available)
    func failedTaskRetriesAfterItsDelayThenLandsInTheFailedRegistry(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        // A delay long enough that a loaded machine still claims before it has passed (1.5 s was not,
        // once, in a starved full run).
        try await broker.submit(.test(), tasks: [.test(key: "flaky", retry: RetryPolicy(maxRetries: 1, delay: 8, timeout: 10), entryCount: 3)])
        let first = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: first.lease, outcome: .failed(error: "disk on fire", retryable: true))])
        #expect(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").isEmpty, "the retry waits for its delay")
        try await Task.sleep(for: .milliseconds(8100))
        let second = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        #expect(second.attempt == 2)
        try await broker.finish([TaskCompletion(lease: second.lease, outcome: .failed(error: "disk still on fire", retryable: true))])

        let status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .failed)
        #expect(status.tasksFailed == 1)
        #expect(status.tasksRetried == 1)
        #expect(status.counter(Counter.entriesFailed) == 3)
        let failed = try await broker.failedTasks(job: "job", queue: nil, limit: 10)
        #expect(failed.map(\.key) == ["flaky"])
        #expect(failed.first?.error == "disk still on fire")
    }

    @Test(arguments: BrokerFactory.available)
    func permanentFailureSkipsRetries(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "bad", retry: RetryPolicy(maxRetries: 5, delay: 0, timeout: 10))])
        let task = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: task.lease, outcome: .failed(error: "bad payload", retryable: false))])
        #expect(try await broker.job(named: "job")?.tasksFailed == 1)
        #expect(try await broker.job(named: "job")?.tasksRetried == 0)
    }

    @Test(arguments: BrokerFactory.available)
    func requeueRunsFailedTasksAgainAndReopensTheJob(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        var itemFailure = NewTask.test(key: "/data/unreadable")
        itemFailure.failedWithError = "read /data/unreadable: Permission denied"
        try await broker.submit(.test(), tasks: [.test(key: "ok")])
        let task = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: task.lease, outcome: .succeeded, spawned: [itemFailure])])
        var status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .failed)
        #expect(status.counter(Counter.entriesFailed) == 1)
        #expect(try await broker.failedTasks(job: "job", queue: nil, limit: 10).first?.error == "read /data/unreadable: Permission denied")

        #expect(try await broker.requeueFailed(job: "job", queue: nil) == 1)
        status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .running)
        #expect(status.tasksFailed == 0)
        #expect(status.counter(Counter.entriesFailed) == 0)
        let again = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        #expect(again.key == "/data/unreadable")
        try await broker.finish([TaskCompletion(lease: again.lease, outcome: .succeeded)])
        #expect(try await broker.job(named: "job")?.state == .completed)
        #expect(try await broker.failedTasks(job: "job", queue: nil, limit: 10).isEmpty)
    }

    @Test(arguments: BrokerFactory.available)
    func requeueByQueueTouchesOnlyThatQueue(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        var onFile = NewTask.test(queue: "file", key: "f")
        onFile.failedWithError = "e1"
        var onPath = NewTask.test(queue: "path", key: "p")
        onPath.failedWithError = "e2"
        try await broker.submit(.test(), tasks: [onFile, onPath])
        #expect(try await broker.requeueFailed(job: nil, queue: "file") == 1)
        #expect(try await broker.failedTasks(job: nil, queue: nil, limit: 10).map(\.key) == ["p"])
    }

    @Test(arguments: BrokerFactory.available)
    func stopCancelsQueuedTasksAtOnceAndWaitsForRunningOnes(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: (0..<1000).map { .test(key: "k\($0)") })
        let running = try await broker.claim(queues: ["q"], limit: 2, leaseDuration: 30, worker: "w")
        var status = try await broker.stop(job: "job")
        #expect(status.state == .stopping)
        #expect(status.counter(Counter.tasksCancelled) == 998)
        #expect(status.pendingTasks == 2)
        #expect(try await broker.claim(queues: ["q"], limit: 10, leaseDuration: 30, worker: "w").isEmpty)
        #expect(try await broker.renew([running[0].lease], leaseDuration: 30)[running[0].lease] == .jobStopping)

        try await broker.finish([TaskCompletion(lease: running[0].lease, outcome: .succeeded, spawned: [.test(key: "late child")])])
        try await broker.finish([TaskCompletion(lease: running[1].lease, outcome: .failed(error: "cancelled", retryable: false))])
        status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .stopped)
        #expect(status.pendingTasks == 0)
        #expect(try await broker.claim(queues: ["q"], limit: 10, leaseDuration: 30, worker: "w").isEmpty, "a stopped job spawns nothing")
        #expect(try await broker.failedTasks(job: "job", queue: nil, limit: 10).isEmpty, "a task cancelled by stop is not a failure")
    }

    @Test(arguments: BrokerFactory.available)
    func stoppingAnIdleJobStopsItImmediately(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test()])
        #expect(try await broker.stop(job: "job").state == .stopped)
        await #expect(throws: IngestError.jobNotFound("nope")) { try await broker.stop(job: "nope") }
    }

    @Test(arguments: BrokerFactory.available)
    func activeJobCannotBeSubmittedTwiceButAnEndedOneStartsAfresh(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test()])
        await #expect(throws: IngestError.jobAlreadyActive("job")) { try await broker.submit(.test(), tasks: [.test()]) }
        let task = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: task.lease, outcome: .succeeded, counters: [Counter.entriesCreated: 5])])
        try await broker.submit(.test(), tasks: [.test()])
        let status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .queued)
        #expect(status.counter(Counter.entriesCreated) == 0)
        #expect(status.tasksTotal == 1)
    }

    @Test(arguments: BrokerFactory.available)
    func duplicateCompletionIsANoOp(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "a"), .test(key: "b")])
        let task = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        let completion = TaskCompletion(lease: task.lease, outcome: .succeeded, spawned: [.test(key: "child")], counters: [Counter.entriesCreated: 1])
        #expect(try await broker.finish([completion]).count == 1)
        #expect(try await broker.finish([completion]).isEmpty)
        let status = try #require(try await broker.job(named: "job"))
        #expect(status.counter(Counter.entriesCreated) == 1)
        #expect(status.tasksTotal == 3)
        #expect(status.pendingTasks == 2)
    }

    @Test(arguments: BrokerFactory.available)
    func concurrentWorkersEachTaskEndsOnce(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: (0..<200).map { .test(key: "k\($0)") })
        let processed = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var keys: [String] = []
                    while true {
                        let claimed = try await broker.claim(queues: ["q"], limit: 7, leaseDuration: 30, worker: "w\(worker)")
                        if claimed.isEmpty { return keys }
                        try await broker.finish(claimed.map { TaskCompletion(lease: $0.lease, outcome: .succeeded, counters: [Counter.entriesCreated: 1]) })
                        keys += claimed.map(\.key)
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(processed.count == 200)
        #expect(Set(processed).count == 200)
        let status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .completed)
        #expect(status.counter(Counter.entriesCreated) == 200)
    }

    @Test(arguments: BrokerFactory.available)
    func taskThatKeepsLosingItsWorkerEndsFailed(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "poison")])
        for _ in 0..<3 {
            #expect(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 0.01, worker: "doomed").count == 1)
            try await Task.sleep(for: .milliseconds(30))
            try await broker.reapExpiredLeases()
        }
        #expect(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").isEmpty)
        let failed = try await broker.failedTasks(job: "job", queue: nil, limit: 5)
        #expect(failed.first?.error.contains("stopped responding 3 times") == true)
        #expect(try await broker.job(named: "job")?.state == .failed)
    }

    @Test(arguments: BrokerFactory.available)
    func expiredTaskOfAStoppingJobIsCancelled(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "held")])
        _ = try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 0.01, worker: "dead")
        #expect(try await broker.stop(job: "job").state == .stopping)
        try await Task.sleep(for: .milliseconds(30))
        try await broker.reapExpiredLeases()
        let status = try #require(try await broker.job(named: "job"))
        #expect(status.state == .stopped)
        #expect(status.counter(Counter.tasksCancelled) == 1)
    }

    @Test(arguments: BrokerFactory.available)
    func flushRemovesJobsAndTasks(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test()])
        try await broker.flush()
        #expect(try await broker.jobs().isEmpty)
        #expect(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").isEmpty)
    }
}

/// Periodic jobs: passes that never overlap, each with its own summary.
@Suite struct PeriodicJobConformanceTests {
    private func runPass(_ broker: any Broker, created: Int64) async throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let task = try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first {
                try await broker.finish([TaskCompletion(lease: task.lease, outcome: .succeeded, counters: [Counter.entriesCreated: created])])
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the pass never became claimable")
    }

    @Test(arguments: BrokerFactory.available)
    func endedPassIsRecordedAndTheNextWaitsForItsInterval(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        var job = JobDefinition.test("nightly")
        job.schedule = .interval(seconds: 3)
        try await broker.submit(job, tasks: [.test(job: "nightly", key: "restart")])
        try await runPass(broker, created: 5)

        var status = try #require(try await broker.job(named: "nightly"))
        #expect(status.state == .waiting)
        #expect(status.pass == 2)
        #expect(status.counter(Counter.entriesCreated) == 0, "each pass counts afresh")
        #expect(status.lastPass?.pass == 1)
        #expect(status.lastPass?.counters[Counter.entriesCreated] == 5)
        let nextRun = try #require(status.nextRunAt)
        #expect(nextRun >= status.lastPass!.finishedAt + 2.99)
        let early = try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w")
        // Only meaningful while the next run is still ahead (a loaded machine may get here late).
        if Date().timeIntervalSince1970 < nextRun - 0.1 {
            #expect(early.isEmpty, "not before its time")
        }
        if let claimedEarly = early.first {
            try await broker.finish([TaskCompletion(lease: claimedEarly.lease, outcome: .succeeded, counters: [Counter.entriesCreated: 7])])
        } else {
            try await runPass(broker, created: 7)
        }

        status = try #require(try await broker.job(named: "nightly"))
        #expect(Date().timeIntervalSince1970 >= nextRun)
        let history = try await broker.history(job: "nightly")
        try #require(history.count == 2)
        #expect(history.map(\.pass) == [1, 2])
        #expect(history.map { $0.counters[Counter.entriesCreated] } == [5, 7])
        #expect(history.allSatisfy { $0.state == .completed })
        #expect(history[1].startedAt >= history[0].finishedAt, "passes never overlap")
    }

    @Test(arguments: BrokerFactory.available)
    func stopEndsTheSchedule(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        var job = JobDefinition.test("hourly")
        job.schedule = .cron(try CronSchedule("0 * * * *"))
        try await broker.submit(job, tasks: [.test(job: "hourly", key: "restart")])
        try await runPass(broker, created: 1)
        let waiting = try #require(try await broker.job(named: "hourly"))
        #expect(waiting.state == .waiting)
        #expect(waiting.startedAt == nil && waiting.elapsed == 0, "between passes nothing runs: the last pass's start is not this one's")
        let nextRun = try #require(waiting.nextRunAt)
        #expect(Int(nextRun) % 3600 == 0, "the next pass starts at the top of an hour")

        let stopped = try await broker.stop(job: "hourly")
        #expect(stopped.state == .stopped)
        #expect(stopped.pendingTasks == 0)
        #expect(try await broker.history(job: "hourly").count == 1)
    }

    @Test(arguments: BrokerFactory.available)
    func requeueAfterStopRunsTheFailuresWithoutReviveingTheSchedule(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        var job = JobDefinition.test("nightly")
        job.schedule = .interval(seconds: 0.05)
        try await broker.submit(job, tasks: [.test(job: "nightly", key: "restart")])
        let task = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        var failure = NewTask.test(job: "nightly", key: "bad file")
        failure.failedWithError = "unreadable"
        try await broker.finish([TaskCompletion(lease: task.lease, outcome: .succeeded, spawned: [failure])])
        #expect(try await broker.stop(job: "nightly").state == .stopped)

        #expect(try await broker.requeueFailed(job: "nightly", queue: nil) == 1)
        let again = try #require(try await broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w").first)
        #expect(again.key == "bad file")
        try await broker.finish([TaskCompletion(lease: again.lease, outcome: .succeeded)])
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await broker.claim(queues: ["q"], limit: 5, leaseDuration: 30, worker: "w").isEmpty, "no new pass")
        #expect(try await broker.job(named: "nightly")?.state.isTerminal == true)
    }

    @Test(arguments: BrokerFactory.available)
    func flushForgetsHistory(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        var job = JobDefinition.test("nightly")
        job.schedule = .interval(seconds: 60)
        try await broker.submit(job, tasks: [.test(job: "nightly", key: "restart")])
        try await runPass(broker, created: 1)
        #expect(try await broker.history(job: "nightly").count == 1)
        try await broker.flush()
        try await broker.submit(job, tasks: [.test(job: "nightly", key: "restart")])
        #expect(try await broker.history(job: "nightly").isEmpty)
    }

    @Test(arguments: BrokerFactory.available)
    func failedPassIsRecordedAsFailedAndTheScheduleGoesOn(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        var job = JobDefinition.test("flaky")
        job.schedule = .interval(seconds: 60)
        try await broker.submit(job, tasks: [.test(job: "flaky", key: "restart")])
        let task = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: task.lease, outcome: .failed(error: "source gone", retryable: false))])
        let status = try #require(try await broker.job(named: "flaky"))
        #expect(status.state == .waiting)
        #expect(status.lastPass?.state == .failed)
        #expect(try await broker.failedTasks(job: "flaky", queue: nil, limit: 5).first?.error == "source gone")
    }
}
