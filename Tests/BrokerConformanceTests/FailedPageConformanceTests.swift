import Foundation
import IngestCore
import IngestTesting
import Testing

/// Pages of the failed registry (`failedTasks(after:)`): what the REST API and the dashboard page
/// through, by job, by queue, or all, oldest or newest first.
@Suite struct FailedPageConformanceTests {
    /// A task recorded as failed when it is queued, as a sync records an unreadable entry.
    static func failing(job: String, queue: String = "q", key: String) -> NewTask {
        var task = NewTask.test(job: job, queue: queue, key: key)
        task.failedWithError = "cannot read \(key)"
        return task
    }

    /// Every page from the first to the first empty one, with the size of each.
    static func allPages(
        _ broker: any Broker, job: String?, queue: String?, limit: Int, order: FailedOrder
    ) async throws -> (tasks: [FailedTask], sizes: [Int]) {
        var tasks: [FailedTask] = []
        var sizes: [Int] = []
        var cursor: Int64?
        while sizes.count < 100 {
            let page = try await broker.failedTasks(job: job, queue: queue, after: cursor, limit: limit, order: order)
            guard let last = page.last else { break }
            tasks += page
            sizes.append(page.count)
            cursor = last.taskID
        }
        return (tasks, sizes)
    }

    private static func isInOrder(_ tasks: [FailedTask], _ order: FailedOrder) -> Bool {
        zip(tasks, tasks.dropFirst()).allSatisfy { order == .oldestFirst ? $0.taskID < $1.taskID : $0.taskID > $1.taskID }
    }

    /// Jobs `a` and `b` and queues `q1` and `q2`, their failures interleaved by id: task `i` is
    /// job `a`'s when `i` is even and on `q1` when `i` is a multiple of 3. One more of job `a` on
    /// `q1` fails through a worker's `finish` rather than when queued.
    static func interleavedFailures(_ broker: any Broker) async throws {
        try await broker.submit(.test("a"), tasks: [failing(job: "a", queue: "q1", key: "t0")])
        try await broker.submit(.test("b"), tasks: [failing(job: "b", queue: "q2", key: "t1")])
        try await broker.enqueue((2..<60).map { failing(job: $0 % 2 == 0 ? "a" : "b", queue: $0 % 3 == 0 ? "q1" : "q2", key: "t\($0)") })
        try await broker.enqueue([.test(job: "a", queue: "q1", key: "worked")])
        let task = try #require(try await broker.claim(queues: ["q1"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: task.lease, outcome: .failed(error: "broken", retryable: false))])
    }

    @Test(arguments: BrokerFactory.available, FailedOrder.allCases)
    func pagesOfOneJobsFailuresGiveEachOnceInIdOrder(_ factory: BrokerFactory, _ order: FailedOrder) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        // Another job's failures between every two of this job's, so a filter that reads past them shows.
        try await broker.submit(.test("mine"), tasks: [Self.failing(job: "mine", key: "k0")])
        try await broker.submit(.test("other"), tasks: [Self.failing(job: "other", key: "o0")])
        try await broker.enqueue((1..<250).flatMap { [Self.failing(job: "mine", key: "k\($0)"), Self.failing(job: "other", key: "o\($0)")] })

        let (tasks, sizes) = try await Self.allPages(broker, job: "mine", queue: nil, limit: 100, order: order)
        #expect(sizes == [100, 100, 50])
        let keys = (0..<250).map { "k\($0)" }
        #expect(tasks.map(\.key) == (order == .oldestFirst ? keys : keys.reversed()))
        #expect(Self.isInOrder(tasks, order))
        #expect(Set(tasks.map(\.taskID)).count == 250)
        #expect(tasks.allSatisfy { $0.job == "mine" && $0.error == "cannot read \($0.key)" })
    }

    @Test(arguments: BrokerFactory.available, FailedOrder.allCases)
    func jobAndQueueFiltersPageThroughInterleavedJobs(_ factory: BrokerFactory, _ order: FailedOrder) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await Self.interleavedFailures(broker)

        let everything = try await Self.allPages(broker, job: nil, queue: nil, limit: 7, order: order).tasks
        #expect(everything.count == 61)
        #expect(Self.isInOrder(everything, order))
        #expect(everything.contains { $0.key == "worked" && $0.job == "a" && $0.queue == "q1" && $0.error == "broken" })
        for job in ["a", "b", nil] {
            for queue in ["q1", "q2", nil] {
                let paged = try await Self.allPages(broker, job: job, queue: queue, limit: 7, order: order).tasks
                let expected = everything.filter { (job == nil || $0.job == job) && (queue == nil || $0.queue == queue) }
                #expect(paged.map(\.taskID) == expected.map(\.taskID), "job \(job ?? "any"), queue \(queue ?? "any")")
            }
        }
        #expect(try await broker.failedTasks(job: "a", queue: "q3", after: nil, limit: 10, order: order).isEmpty)
        #expect(try await broker.failedTasks(job: "nobody", queue: nil, after: nil, limit: 10, order: order).isEmpty)
    }

    @Test(arguments: BrokerFactory.available)
    func requeuedFailuresLeaveEveryPage(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await Self.interleavedFailures(broker)

        #expect(try await broker.requeueFailed(job: "a", queue: nil) == 31)
        #expect(try await broker.failedTasks(job: "a", queue: nil, after: nil, limit: 100).isEmpty)
        #expect(try await broker.failedTasks(job: "a", queue: "q1", after: nil, limit: 100).isEmpty)
        #expect(try await broker.failedTasks(job: nil, queue: "q1", after: nil, limit: 100).allSatisfy { $0.job == "b" })
        #expect(try await broker.failedTasks(job: nil, queue: nil, after: nil, limit: 100).count == 30)

        #expect(try await broker.requeueFailed(job: nil, queue: "q2") == 20)
        #expect(try await broker.failedTasks(job: "b", queue: "q2", after: nil, limit: 100).isEmpty)
        #expect(try await broker.failedTasks(job: "b", queue: nil, after: nil, limit: 100).map(\.queue) == Array(repeating: "q1", count: 10))
    }

    @Test(arguments: BrokerFactory.available)
    func aForgottenJobsFailuresAreGoneFromEveryPage(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await Self.interleavedFailures(broker)
        try await broker.forget(job: "b")

        #expect(try await broker.failedTasks(job: "b", queue: nil, after: nil, limit: 100).isEmpty)
        #expect(try await broker.failedTasks(job: "b", queue: "q2", after: nil, limit: 100).isEmpty)
        #expect(try await broker.failedTasks(job: nil, queue: "q2", after: nil, limit: 100).allSatisfy { $0.job == "a" })
        #expect(try await broker.failedTasks(job: nil, queue: nil, after: nil, limit: 100).count == 31)

        // Submitted again under the same name, a job pages only its new failures.
        try await broker.submit(.test("a"), tasks: [Self.failing(job: "a", queue: "q2", key: "again")])
        #expect(try await broker.failedTasks(job: "a", queue: nil, after: nil, limit: 100).map(\.key) == ["again"])
        #expect(try await broker.failedTasks(job: nil, queue: "q1", after: nil, limit: 100).isEmpty)
    }

    @Test(arguments: BrokerFactory.available)
    func aCursorPastTheEndGivesAnEmptyPage(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await Self.interleavedFailures(broker)
        let all = try await broker.failedTasks(job: nil, queue: nil, after: nil, limit: 100)
        let first = try #require(all.first?.taskID)
        let last = try #require(all.last?.taskID)

        for (job, queue) in [(nil, nil), ("a", nil), (nil, "q1"), ("b", "q2")] as [(String?, String?)] {
            #expect(try await broker.failedTasks(job: job, queue: queue, after: last, limit: 10, order: .oldestFirst).isEmpty)
            #expect(try await broker.failedTasks(job: job, queue: queue, after: Int64.max, limit: 10, order: .oldestFirst).isEmpty)
            #expect(try await broker.failedTasks(job: job, queue: queue, after: first, limit: 10, order: .newestFirst).isEmpty)
            #expect(try await broker.failedTasks(job: job, queue: queue, after: 0, limit: 10, order: .newestFirst).isEmpty)
            #expect(try await broker.failedTasks(job: job, queue: queue, after: nil, limit: 0, order: .oldestFirst).isEmpty)
            #expect(try await broker.failedTasks(job: job, queue: queue, after: nil, limit: -1, order: .newestFirst).isEmpty)
        }
        #expect(try await broker.failedTasks(job: nil, queue: nil, after: last - 1, limit: 10).map(\.taskID) == [last])
    }
}
