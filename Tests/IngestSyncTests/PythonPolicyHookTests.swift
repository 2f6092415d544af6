import IngestCore
@testable import IngestSync
import Testing

/// `runHooks` runs a batch's hook calls in one round trip and applies the metadata they write.
@Suite struct PythonPolicyHookTests {
    typealias Fixture = PythonPolicyFixture

    static let tagging = """
        from irods_capability_automated_ingest.core import Core
        from irods.meta import iRODSMeta
        class event_handler(Core):
            @staticmethod
            def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                if meta["path"].endswith("fail"):
                    raise RuntimeError("refusing " + meta["path"])
                obj = session.data_objects.get(meta["target"])
                obj.metadata.add("source", meta["path"], "")
                obj.metadata.add(iRODSMeta("operation", args[0].name if args else "none", "op"))
        """

    @Test func metadataAddedInAPostHookIsInTheCatalog() async throws {
        let fixture = try Fixture()
        try await fixture.registerObject("a.txt")
        let policy = try await fixture.policy(Self.tagging)
        let outcomes = try await policy.runHooks(
            [HookCall(hook: .postDataObjectCreate, entry: Fixture.file("a.txt"), operation: .putSync)], job: Fixture.job)
        #expect(outcomes == [HookOutcome()])
        #expect(
            try await fixture.metadata(of: "a.txt")
                == [MetadataTriple(attribute: "operation", value: "PUT_SYNC", units: "op"), MetadataTriple(attribute: "source", value: "/src/a.txt")])
        await policy.shutdown()
    }

    @Test func aHookExceptionFailsItsCallAloneAndDropsItsWrites() async throws {
        let fixture = try Fixture()
        for name in ["a", "fail", "b"] {
            try await fixture.registerObject(name)
        }
        let policy = try await fixture.policy(Self.tagging, filename: "tagging.py")
        let calls = ["a", "fail", "b"].map { HookCall(hook: .postDataObjectCreate, entry: Fixture.file($0), operation: .registerSync) }
        let outcomes = try await policy.runHooks(calls, job: Fixture.job)
        #expect(outcomes[0].error == nil && outcomes[2].error == nil)
        let error = try #require(outcomes[1].error)
        #expect(error.contains(#"File "tagging.py", line 7, in post_data_obj_create"#), "\(error)")
        #expect(error.contains("RuntimeError: refusing /src/fail"), "\(error)")
        #expect(try await fixture.metadata(of: "a")?.map(\.value) == ["none", "/src/a"], "no operation argument for a register")
        #expect(try await fixture.metadata(of: "b")?.count == 2)
        #expect(try await fixture.metadata(of: "fail") == [])
        await policy.shutdown()
    }

    @Test func optionsAPreHookSetsReachThePostHook() async throws {
        let fixture = try Fixture()
        try await fixture.registerObject("a")
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def pre_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                    options["checksum_before"] = "abc"
                    options["count"] = 3
                @staticmethod
                def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                    session.data_objects.get(meta["target"]).metadata.add("seen", options.get("checksum_before", "nothing"))
            """)
        let pre = try await policy.runHooks(
            [HookCall(hook: .preDataObjectCreate, entry: Fixture.file("a"), options: ["given": "1"])], job: Fixture.job)
        #expect(pre.first?.options == ["given": "1", "checksum_before": "abc", "count": "3"])
        let post = try await policy.runHooks(
            [HookCall(hook: .postDataObjectCreate, entry: Fixture.file("a"), options: pre[0].options)], job: Fixture.job)
        #expect(post.first?.error == nil)
        #expect(try await fixture.metadata(of: "a") == [MetadataTriple(attribute: "seen", value: "abc")])
        await policy.shutdown()
    }

    @Test func getAllReadsTheCatalogWithTheCallsOwnWritesOnTop() async throws {
        let fixture = try Fixture()
        try await fixture.registerObject("a", metadata: [MetadataTriple(attribute: "project", value: "old", units: "p")])
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def post_data_obj_modify(hdlr_mod, logger, session, meta, *args, **options):
                    md = session.data_objects.get(meta["target"]).metadata
                    before = [(m.name, m.value, m.units) for m in md.get_all("project")]
                    md.add("project", "new")
                    after = sorted(m.value for m in md.get_all("project"))
                    md.add("report", "%s then %s; %s" % (before, after, md.get_one("project").value))
            """)
        let outcomes = try await policy.runHooks([HookCall(hook: .postDataObjectModify, entry: Fixture.file("a"))], job: Fixture.job)
        #expect(outcomes.first?.error == nil, "\(outcomes)")
        let report = try await fixture.metadata(of: "a")?.first { $0.attribute == "report" }?.value
        #expect(report == "[('project', 'old', 'p')] then ['new', 'old']; old")
        await policy.shutdown()
    }

    @Test func loggerRecordsReachTheLoggerWithJobPathAndFields() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def pre_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                    print("this goes to stderr, not the protocol")
                    logger.info("about to create", size=meta["size"])
                    logger.warning("careful")
                @staticmethod
                def pre_job(hdlr_mod, logger, meta):
                    logger.error("job starting", job_name=meta["job_name"])
            """)
        let outcomes = try await policy.runHooks(
            [HookCall(hook: .preJob), HookCall(hook: .preDataObjectCreate, entry: Fixture.file("x.bin", size: 9))], job: Fixture.job)
        #expect(outcomes.allSatisfy { $0.error == nil }, "\(outcomes)")
        let created = try #require(fixture.log.messages(containing: "about to create").first)
        #expect(created.level == .info)
        #expect(created.metadata == ["job": "job1", "path": "/src/x.bin", "size": "9"])
        #expect(fixture.log.messages(containing: "careful").first?.level == .warning)
        let started = try #require(fixture.log.messages(containing: "job starting").first)
        #expect(started.level == .error)
        #expect(started.metadata == ["job": "job1", "job_name": "job1"])
        #expect(try await eventually { !fixture.log.messages(containing: "this goes to stderr").isEmpty })
        await policy.shutdown()
    }

    @Test func anUnsupportedSessionCallFailsThatCallNamingIt() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                    session.data_objects.put(meta["path"], meta["target"] + ".copy")
            """)
        let outcomes = try await policy.runHooks(
            [HookCall(hook: .postDataObjectCreate, entry: Fixture.file("a")), HookCall(hook: .preDataObjectCreate, entry: Fixture.file("a"))],
            job: Fixture.job)
        let error = try #require(outcomes[0].error)
        #expect(error.contains("session.data_objects.put is not supported by Ingest's event handler host"), "\(error)")
        #expect(outcomes[1] == HookOutcome(), "a hook the handler does not define is not called")
        await policy.shutdown()
    }

    @Test func aMissingObjectRaisesWhatPythonIrodsclientRaises() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            from irods.exception import DataObjectDoesNotExist
            class event_handler(Core):
                @staticmethod
                def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                    try:
                        session.data_objects.get(meta["target"])
                    except DataObjectDoesNotExist:
                        logger.info("missing", exists=session.data_objects.exists(meta["target"]),
                                    collection=session.collections.exists("/tempZone/home/rods/t"))
            """)
        let outcomes = try await policy.runHooks([HookCall(hook: .postDataObjectCreate, entry: Fixture.file("nothing"))], job: Fixture.job)
        #expect(outcomes.first?.error == nil, "\(outcomes)")
        #expect(fixture.log.messages(containing: "missing").first?.metadata["exists"] == "False")
        #expect(fixture.log.messages(containing: "missing").first?.metadata["collection"] == "False")
        await policy.shutdown()
    }

    @Test func deleteModeComesFromTheHandler() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            from irods_capability_automated_ingest.utils import DeleteMode
            class event_handler(Core):
                @staticmethod
                def delete_mode(meta):
                    return DeleteMode.UNREGISTER if meta["path"].endswith("scratch") else DeleteMode.DO_NOT_DELETE
            """)
        #expect(try await policy.deleteMode(for: Fixture.directory("scratch"), job: Fixture.job) == .unregister)
        #expect(try await policy.deleteMode(for: Fixture.directory("keep"), job: Fixture.job) == .doNotDelete)
        await policy.shutdown()
    }
}
