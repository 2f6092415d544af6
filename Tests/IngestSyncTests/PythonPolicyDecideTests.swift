import IngestCore
@testable import IngestSync
import Testing

/// `decide` runs an upstream-shaped handler's decision methods for a whole batch in one round trip.
@Suite struct PythonPolicyDecideTests {
    typealias Fixture = PythonPolicyFixture

    @Test func operationPerEntryForABatchOf200() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            from irods_capability_automated_ingest.utils import Operation
            class event_handler(Core):
                @staticmethod
                def operation(session, meta, **options):
                    if meta["path"].endswith(".tif"):
                        return Operation.PUT_SYNC
                    if meta["path"].endswith(".tmp"):
                        return Operation.NO_OP
                    return Operation.REGISTER_SYNC
            """)
        let extensions = ["tif", "tmp", "txt", "csv"]
        let entries = (0..<200).map { Fixture.file("d/f\($0).\(extensions[$0 % 4])") }
        let decisions = try await policy.decide(entries, job: Fixture.job)
        let expected: [SyncOperation] = [.putSync, .noOp, .registerSync, .registerSync]
        #expect(decisions.count == 200)
        #expect(decisions.map(\.operation) == (0..<200).map { expected[$0 % 4] })
        #expect(decisions.allSatisfy { $0.error == nil && $0.resource == nil })
        await policy.shutdown()
    }

    @Test func resourcePhysicalPathAndOwnerComeFromTheirMethods() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def to_resource(session, meta, **options):
                    return "big" if meta["size"] > 1000 else "small"
                @staticmethod
                def target_path(session, meta, **options):
                    return "/mnt/server" + meta["path"]
                @staticmethod
                def as_user(meta, **options):
                    return ("tempZone", "alice") if meta["path"].endswith("a") else "bob"
                @staticmethod
                def max_retries(hdlr_mod, logger, meta):
                    return 7
                @staticmethod
                def timeout(hdlr_mod, logger, meta):
                    return 60
                @staticmethod
                def delay(hdlr_mod, logger, meta, retries):
                    return 1.5
            """)
        let decisions = try await policy.decide([Fixture.file("x/a", size: 5000), Fixture.file("x/b", size: 3)], job: Fixture.job)
        #expect(decisions.map(\.resource) == ["big", "small"])
        #expect(decisions.map(\.physicalPath) == ["/mnt/server/src/x/a", "/mnt/server/src/x/b"])
        #expect(decisions.map(\.owner) == ["alice", "bob"])
        #expect(decisions.map(\.maxRetries) == [7, 7])
        #expect(decisions.map(\.timeout) == [60, 60])
        #expect(decisions.map(\.delay) == [1.5, 1.5])
        #expect(decisions.map(\.operation) == [nil, nil], "operation is not defined: the job's applies")
        await policy.shutdown()
    }

    @Test func characterMapAppliesEachKeyKindToTheName() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            import re
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def character_map():
                    return {
                        " ": "_",
                        ("#", "%"): "-",
                        re.compile("[0-9]"): "N",
                        (lambda c: ord(c) > 127): "",
                    }
            """)
        let entries = [
            Fixture.file("dir one/a b#c%d7é.txt"), Fixture.directory("dir one/sub 2"), Fixture.file("plain.txt"),
        ]
        let decisions = try await policy.decide(entries, job: Fixture.job)
        #expect(decisions.map(\.name) == ["a_b-c-dN.txt", "sub_N", nil], "only the last path element is mapped")
        #expect(policy.capabilities.namesDirectories)
        await policy.shutdown()
    }

    @Test func directoriesGetOnlyTheCharacterMap() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            from irods_capability_automated_ingest.utils import Operation
            class event_handler(Core):
                @staticmethod
                def character_map():
                    return {"!": "_"}
                @staticmethod
                def operation(session, meta, **options):
                    if meta["entry_type"] != "file":
                        raise RuntimeError("operation called for a " + meta["entry_type"])
                    return Operation.PUT
            """)
        let decisions = try await policy.decide([Fixture.directory("a!"), Fixture.file("b!")], job: Fixture.job)
        #expect(decisions[0] == EntryDecision(name: "a_"))
        #expect(decisions[1] == EntryDecision(operation: .put, name: "b_"))
        await policy.shutdown()
    }

    @Test func anExceptionFailsItsEntryAlone() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            from irods_capability_automated_ingest.utils import Operation
            class event_handler(Core):
                @staticmethod
                def operation(session, meta, **options):
                    if "bad" in meta["path"]:
                        raise ValueError("cannot decide " + meta["path"])
                    return Operation.PUT
            """, filename: "ops.py")
        let decisions = try await policy.decide([Fixture.file("good1"), Fixture.file("bad"), Fixture.file("good2")], job: Fixture.job)
        #expect(decisions[0].operation == .put && decisions[2].operation == .put)
        #expect(decisions[1].operation == nil)
        let error = try #require(decisions[1].error)
        #expect(error.contains(#"File "ops.py", line 7, in operation"#), "\(error)")
        #expect(error.contains("ValueError: cannot decide /src/bad"), "\(error)")
        await policy.shutdown()
    }

    @Test func metaCarriesTheEntryAndTheJob() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            from irods_capability_automated_ingest.redis_utils import get_redis
            class event_handler(Core):
                @staticmethod
                def to_resource(session, meta, **options):
                    assert get_redis(meta["config"]) is not None
                    keys = sorted(k for k in meta if k != "config")
                    return "|".join([",".join(keys), meta["job_name"], meta["root"], meta["target"], meta["entry_type"],
                                     str(meta["size"]), "%.1f" % meta["mtime"], str(meta["is_link"]), str(meta["is_socket"])])
            """)
        let decisions = try await policy.decide([Fixture.file("a.txt", size: 42)], job: Fixture.job)
        #expect(
            decisions.first?.resource
                == "ctime,entry_type,is_link,is_socket,job_name,mtime,path,root,size,target|job1|/src|/tempZone/home/rods/t/a.txt|file|42|1700000000.5|False|False",
            "\(decisions)")
        await policy.shutdown()
    }
}
