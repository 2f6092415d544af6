import IngestCore
@testable import IngestSync
import Testing

/// `get_redis(config)` reaches values shared by every policy given the same `PolicySharedValues`.
@Suite struct PythonPolicySharedValuesTests {
    typealias Fixture = PythonPolicyFixture

    static let counting = """
        from irods_capability_automated_ingest.core import Core
        from irods_capability_automated_ingest.redis_utils import get_redis
        class event_handler(Core):
            @staticmethod
            def pre_job(hdlr_mod, logger, meta):
                r = get_redis(meta["config"])
                count = r.incr("files:" + meta["job_name"])
                r.set("last", b"value %d" % count, ex=60)
                logger.info("counted", count=count, last=r.get("last"), kind=type(r.get("last")).__name__)
        """

    @Test func incrCountsAcrossTwoPolicies() async throws {
        let shared = InMemoryPolicySharedValues()
        let first = try Fixture(sharedValues: shared)
        let second = try Fixture(sharedValues: shared)
        let one = try await first.policy(Self.counting)
        let two = try await second.policy(Self.counting)
        _ = try await one.runHooks([HookCall(hook: .preJob)], job: Fixture.job)
        _ = try await two.runHooks([HookCall(hook: .preJob)], job: Fixture.job)
        #expect(try await shared.get("files:job1") == "2")
        #expect(try await shared.get("last") == "value 2")
        #expect(second.log.messages(containing: "counted").first?.metadata == ["job": "job1", "count": "2", "last": "value 2", "kind": "bytes"])
        await one.shutdown()
        await two.shutdown()
    }

    @Test func valuesExpireAndDelete() async throws {
        let shared = InMemoryPolicySharedValues()
        await #expect(throws: IngestError.self, "an expiry Redis refuses (ex=0, inf) is refused") {
            try await shared.set("never", to: "x", expiresAfter: 0)
        }
        await #expect(throws: IngestError.self) { try await shared.set("never", to: "x", expiresAfter: .infinity) }
        try await shared.set("gone", to: "x", expiresAfter: 0.001)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await shared.get("gone") == nil)
        try await shared.set("kept", to: "5", expiresAfter: nil)
        #expect(try await shared.increment("kept", by: 2) == 7)
        #expect(try await shared.delete(["kept", "never"]) == 1)
        await #expect(throws: NotAnInteger.self) {
            try await shared.set("text", to: "abc", expiresAfter: nil)
            _ = try await shared.increment("text", by: 1)
        }
    }
}
