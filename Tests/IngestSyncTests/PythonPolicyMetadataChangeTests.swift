import IngestCore
@testable import IngestSync
import Testing

/// Replacing and removing metadata: the call sees its own change at once, and the catalog gets
/// the call's changes together, in order (`Catalog.applyMetadata`).
@Suite struct PythonPolicyMetadataChangeTests {
    typealias Fixture = PythonPolicyFixture

    @Test func replacingAndRemovingMetadataIsSeenByTheCallAndReachesTheCatalog() async throws {
        let fixture = try Fixture()
        try await fixture.registerObject("a", metadata: [MetadataTriple(attribute: "state", value: "new")])
        let policy = try await fixture.policy(
            """
            from irods_capability_automated_ingest.core import Core
            from irods.meta import iRODSMeta
            class event_handler(Core):
                @staticmethod
                def post_data_obj_modify(hdlr_mod, logger, session, meta, *args, **options):
                    md = session.data_objects.get(meta["target"]).metadata
                    md["state"] = iRODSMeta("state", "done", "v2")
                    md.add("other", "x")
                    md.remove("other", "x")
                    logger.info("seen", state=[(m.value, m.units) for m in md.get_all("state")], keys=md.keys())
            """)
        let outcomes = try await policy.runHooks([HookCall(hook: .postDataObjectModify, entry: Fixture.file("a"))], job: Fixture.job)
        #expect(fixture.log.messages(containing: "seen").first?.metadata["state"] == "[('done', 'v2')]")
        #expect(fixture.log.messages(containing: "seen").first?.metadata["keys"] == "['state']")
        #expect(outcomes.first?.error == nil, "\(outcomes)")
        #expect(try await fixture.metadata(of: "a") == [MetadataTriple(attribute: "state", value: "done", units: "v2")], "replaced; added then removed")
        await policy.shutdown()
    }
}
