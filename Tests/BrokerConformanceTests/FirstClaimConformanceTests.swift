import Foundation
import IngestCore
import IngestTesting
import Testing

/// `claimFirst`: the pass-wide "first one wins" record `--follow_symlinks` walks by.
@Suite struct FirstClaimConformanceTests {
    @Test(arguments: BrokerFactory.available)
    func theFirstOwnerKeepsAKeyAndGetsItBackOnARetry(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        let first = try await broker.claimFirst(
            job: "job", claims: [FirstClaim(key: "dir 1:10", owner: "/src/a"), FirstClaim(key: "dir 1:11", owner: "/src/b")])
        #expect(first == ["/src/a", "/src/b"])
        let second = try await broker.claimFirst(
            job: "job", claims: [FirstClaim(key: "dir 1:10", owner: "/src/c/link"), FirstClaim(key: "dir 1:12", owner: "/src/c/other")])
        #expect(second == ["/src/a", "/src/c/other"], "a claimed key keeps its first owner; a new one goes to its claimant")
        let retried = try await broker.claimFirst(job: "job", claims: [FirstClaim(key: "dir 1:10", owner: "/src/a")])
        #expect(retried == ["/src/a"], "the owner's own retry gets its claim back")
    }

    @Test(arguments: BrokerFactory.available)
    func claimsAreKeptPerJob(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test("one"), tasks: [.test(job: "one", key: "root")])
        try await broker.submit(.test("two"), tasks: [.test(job: "two", key: "root")])
        _ = try await broker.claimFirst(job: "one", claims: [FirstClaim(key: "k", owner: "one's")])
        #expect(try await broker.claimFirst(job: "two", claims: [FirstClaim(key: "k", owner: "two's")]) == ["two's"])
    }

    @Test(arguments: BrokerFactory.available)
    func claimsEndWithThePassAndWithAResubmission(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        _ = try await broker.claimFirst(job: "job", claims: [FirstClaim(key: "k", owner: "pass 1")])
        let root = try #require(try await broker.claim(queues: ["q"], limit: 1, leaseDuration: 30, worker: "w").first)
        try await broker.finish([TaskCompletion(lease: root.lease, outcome: .succeeded)])
        #expect(try await broker.job(named: "job")?.state == .completed)
        // An ended job's claims are gone: a requeued task or the next run walks everything afresh.
        #expect(try await broker.claimFirst(job: "job", claims: [FirstClaim(key: "k", owner: "after the end")]) == ["after the end"])
        try await broker.submit(.test(), tasks: [.test(key: "root")])
        #expect(try await broker.claimFirst(job: "job", claims: [FirstClaim(key: "k", owner: "resubmitted")]) == ["resubmitted"])
    }

    @Test(arguments: BrokerFactory.available)
    func anUnknownJobIsNamed(_ factory: BrokerFactory) async throws {
        let subject = try factory.make()
        let broker = subject.broker
        await #expect(throws: IngestError.jobNotFound("nobody")) {
            _ = try await broker.claimFirst(job: "nobody", claims: [FirstClaim(key: "k", owner: "o")])
        }
    }
}
