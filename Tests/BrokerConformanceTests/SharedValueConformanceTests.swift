import Foundation
import IngestCore
import IngestTesting
import Testing

/// Shared values: the per-job key-value store event handlers keep counters in (`get_redis`).
@Suite struct SharedValueConformanceTests {
    @Test(arguments: BrokerFactory.available)
    func valuesAreStoredReadAndDeletedByKey(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        let binary = Data([0, 0xFF, 0xC3, 0x28, 10, 13])
        #expect(try await broker.sharedValue(job: "job", key: "missing") == nil)

        try await broker.setSharedValue(job: "job", key: "binary", value: binary, expiresIn: nil)
        try await broker.setSharedValue(job: "job", key: "empty", value: Data(), expiresIn: nil)
        try await broker.setSharedValue(job: "job", key: "text", value: Data("first".utf8), expiresIn: nil)
        try await broker.setSharedValue(job: "job", key: "text", value: Data("second".utf8), expiresIn: nil)
        #expect(try await broker.sharedValue(job: "job", key: "binary") == binary)
        #expect(try await broker.sharedValue(job: "job", key: "empty") == Data())
        #expect(try await broker.sharedValue(job: "job", key: "text") == Data("second".utf8))

        #expect(try await broker.deleteSharedValues(job: "job", keys: ["binary", "text", "text", "missing"]) == 2)
        #expect(try await broker.deleteSharedValues(job: "job", keys: []) == 0)
        #expect(try await broker.sharedValue(job: "job", key: "binary") == nil)
        #expect(try await broker.sharedValue(job: "job", key: "text") == nil)
        #expect(try await broker.sharedValue(job: "job", key: "empty") == Data(), "a key not named stays")
    }

    @Test(arguments: BrokerFactory.available)
    func incrementsStartFromZeroAndAreStoredAsDecimalText(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        #expect(try await broker.incrementSharedValue(job: "job", key: "files", by: 5) == 5)
        #expect(try await broker.incrementSharedValue(job: "job", key: "files", by: -7) == -2)
        #expect(try await broker.sharedValue(job: "job", key: "files") == Data("-2".utf8))
        try await broker.setSharedValue(job: "job", key: "set", value: Data("40".utf8), expiresIn: nil)
        #expect(try await broker.incrementSharedValue(job: "job", key: "set", by: 2) == 42)
        try await broker.setSharedValue(job: "job", key: "lowest", value: Data(String(Int64.min).utf8), expiresIn: nil)
        #expect(try await broker.incrementSharedValue(job: "job", key: "lowest", by: 1) == Int64.min + 1)
        #expect(try await broker.incrementSharedValue(job: "job", key: "large", by: Int64.max - 1) == Int64.max - 1, "no rounding through doubles")
        #expect(try await broker.incrementSharedValue(job: "job", key: "large", by: 1) == Int64.max)
    }

    @Test(arguments: BrokerFactory.available)
    func onlyDecimalIntegersCanBeIncrementedAndAFailureChangesNothing(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        // What Redis's INCRBY refuses: not digits, a fraction, a sign on a positive number, leading
        // zeros, spaces, an empty value, more than 64 bits.
        for text in ["abc", "1.5", "+1", "007", " 1", "1 ", "", "-0", "9223372036854775808"] {
            try await broker.setSharedValue(job: "job", key: "k", value: Data(text.utf8), expiresIn: nil)
            await #expect(throws: IngestError.sharedValueNotInteger(job: "job", key: "k"), "value '\(text)'") {
                _ = try await broker.incrementSharedValue(job: "job", key: "k", by: 1)
            }
            #expect(try await broker.sharedValue(job: "job", key: "k") == Data(text.utf8))
        }
        try await broker.setSharedValue(job: "job", key: "top", value: Data(String(Int64.max).utf8), expiresIn: nil)
        await #expect(throws: IngestError.sharedValueNotInteger(job: "job", key: "top")) {
            _ = try await broker.incrementSharedValue(job: "job", key: "top", by: 1)
        }
        #expect(try await broker.sharedValue(job: "job", key: "top") == Data(String(Int64.max).utf8))
    }

    @Test(arguments: BrokerFactory.available)
    func concurrentIncrementsAddUpExactly(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<100 { _ = try await broker.incrementSharedValue(job: "job", key: "count", by: 1) }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await broker.sharedValue(job: "job", key: "count") == Data("800".utf8))
        #expect(try await broker.incrementSharedValue(job: "job", key: "count", by: 0) == 800)
    }

    @Test(arguments: BrokerFactory.available)
    func valuesArePerJobWhateverTheNamesHold(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        for job in ["a", "a:b"] { try await broker.submit(.test(job), tasks: [.test(job: job, key: "root")]) }
        try await broker.setSharedValue(job: "a", key: "b:c", value: Data("a + b:c".utf8), expiresIn: nil)
        try await broker.setSharedValue(job: "a:b", key: "c", value: Data("a:b + c".utf8), expiresIn: nil)
        #expect(try await broker.sharedValue(job: "a", key: "b:c") == Data("a + b:c".utf8))
        #expect(try await broker.sharedValue(job: "a:b", key: "c") == Data("a:b + c".utf8))
        #expect(try await broker.sharedValue(job: "a", key: "c") == nil)
        #expect(try await broker.deleteSharedValues(job: "a:b", keys: ["b:c"]) == 0)
    }

    @Test(arguments: BrokerFactory.available)
    func anUnknownJobIsNamed(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        let missing = IngestError.jobNotFound("nobody")
        await #expect(throws: missing) { _ = try await broker.sharedValue(job: "nobody", key: "k") }
        await #expect(throws: missing) { try await broker.setSharedValue(job: "nobody", key: "k", value: Data(), expiresIn: nil) }
        await #expect(throws: missing) { _ = try await broker.incrementSharedValue(job: "nobody", key: "k", by: 1) }
        await #expect(throws: missing) { _ = try await broker.deleteSharedValues(job: "nobody", keys: ["k"]) }
        await #expect(throws: missing) { _ = try await broker.expireSharedValue(job: "nobody", key: "k", after: 5) }
    }
}

/// When shared values go: on expiry, with `forget` and `flush`, and not otherwise.
@Suite struct SharedValueLifetimeTests {
    @Test(arguments: BrokerFactory.available)
    func anExpiredValueIsAbsentAndAnIncrementKeepsTheExpiry(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        let clock = ContinuousClock()
        let start = clock.now
        try await broker.setSharedValue(job: "job", key: "brief", value: Data("1".utf8), expiresIn: 0.5)
        let counted = try await broker.incrementSharedValue(job: "job", key: "brief", by: 1)
        try await broker.setSharedValue(job: "job", key: "extended", value: Data("1".utf8), expiresIn: 0.5)
        let extended = try await broker.expireSharedValue(job: "job", key: "extended", after: 3600)
        // Only meaningful while the first expiries are still ahead (a loaded machine may get here late).
        let timely = clock.now - start < .milliseconds(400)
        if timely {
            #expect(counted == 2)
            #expect(extended, "there was a value to give a new expiry")
        }
        try await broker.setSharedValue(job: "job", key: "shortened", value: Data("1".utf8), expiresIn: nil)
        #expect(try await broker.expireSharedValue(job: "job", key: "shortened", after: 0.5))
        try await broker.setSharedValue(job: "job", key: "kept", value: Data("1".utf8), expiresIn: 0.5)
        try await broker.setSharedValue(job: "job", key: "kept", value: Data("2".utf8), expiresIn: nil)

        try await Task.sleep(until: clock.now + .milliseconds(700), clock: clock)
        #expect(try await broker.sharedValue(job: "job", key: "shortened") == nil)
        #expect(try await broker.sharedValue(job: "job", key: "kept") == Data("2".utf8), "a value set again without expiry is kept")
        if timely {
            // Only when the increment came before the first expiry: a starved run may increment an
            // expired value, which starts again at 1 without an expiry, as in Redis.
            #expect(try await broker.sharedValue(job: "job", key: "brief") == nil, "the increment kept the expiry")
            #expect(try await broker.sharedValue(job: "job", key: "extended") == Data("1".utf8), "the later expiry replaced the first")
            #expect(try await broker.deleteSharedValues(job: "job", keys: ["brief"]) == 0, "an expired value is not there to delete")
            #expect(try await broker.incrementSharedValue(job: "job", key: "brief", by: 1) == 1, "an expired counter starts again at 0")
        }
        #expect(try await broker.expireSharedValue(job: "job", key: "shortened", after: 5) == false)
    }

    @Test(arguments: BrokerFactory.available)
    func expiringNowDeletesAndImpossibleTimesAreRefused(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        try await broker.setSharedValue(job: "job", key: "k", value: Data("v".utf8), expiresIn: nil)
        #expect(try await broker.expireSharedValue(job: "job", key: "k", after: 0))
        #expect(try await broker.sharedValue(job: "job", key: "k") == nil)
        #expect(try await broker.expireSharedValue(job: "job", key: "k", after: -1) == false)

        for expiry in [0, -1, .nan, .infinity] as [Double] {
            await #expect(throws: IngestError.self, "expiry \(expiry)") {
                try await broker.setSharedValue(job: "job", key: "k", value: Data("v".utf8), expiresIn: expiry)
            }
        }
        await #expect(throws: IngestError.self) { _ = try await broker.expireSharedValue(job: "job", key: "k", after: .nan) }
        #expect(try await broker.sharedValue(job: "job", key: "k") == nil, "a refused call stores nothing")
    }

    @Test(arguments: BrokerFactory.available)
    func valuesOutlivePassesRestartsAndResubmissionButNotForget(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        var job = JobDefinition.test("nightly")
        job.schedule = .interval(seconds: 60)
        try await broker.submit(job, tasks: [.test(job: "nightly", key: "restart")])
        #expect(try await broker.incrementSharedValue(job: "nightly", key: "runs", by: 1) == 1)
        let root = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: root.lease, outcome: .succeeded)])
        #expect(try await broker.job(named: "nightly")?.pass == 2)
        #expect(try await broker.incrementSharedValue(job: "nightly", key: "runs", by: 1) == 2, "a new pass keeps the count")

        let restarted = try subject.reopened()
        #expect(try await restarted.sharedValue(job: "nightly", key: "runs") == Data("2".utf8), "another process sees it")

        #expect(try await broker.stop(job: "nightly").state == .stopped)
        try await broker.submit(job, tasks: [.test(job: "nightly", key: "restart")])
        #expect(try await broker.sharedValue(job: "nightly", key: "runs") == Data("2".utf8), "a new submission keeps it")

        #expect(try await broker.stop(job: "nightly").state == .stopped)
        try await broker.forget(job: "nightly")
        await #expect(throws: IngestError.jobNotFound("nightly")) { _ = try await broker.sharedValue(job: "nightly", key: "runs") }
        try await broker.submit(job, tasks: [.test(job: "nightly", key: "restart")])
        #expect(try await broker.sharedValue(job: "nightly", key: "runs") == nil, "forget took it")
    }

    @Test(arguments: BrokerFactory.available)
    func flushRemovesEveryValue(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        try await broker.setSharedValue(job: "job", key: "plain", value: Data("v".utf8), expiresIn: nil)
        try await broker.setSharedValue(job: "job", key: "expiring", value: Data("v".utf8), expiresIn: 60)
        try await broker.flush()
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        #expect(try await broker.sharedValue(job: "job", key: "plain") == nil)
        #expect(try await broker.sharedValue(job: "job", key: "expiring") == nil)
    }
}
