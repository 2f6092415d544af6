import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Testing

/// The host process is started again when it dies, and an interrupted request is repeated once.
@Suite struct PythonPolicyRestartTests {
    typealias Fixture = PythonPolicyFixture

    @Test func aHostKilledBetweenCallsIsStartedAgain() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            import os
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def to_resource(session, meta, **options):
                    return str(os.getpid())
            """)
        let first = try #require(try await policy.decide([Fixture.file("a")], job: Fixture.job).first?.resource)
        #expect(await policy.hostProcessID() == pid_t(first))
        kill(pid_t(first)!, SIGKILL)
        let second = try #require(try await policy.decide([Fixture.file("a")], job: Fixture.job).first?.resource)
        #expect(second != first)
        #expect(await policy.hostProcessID() == pid_t(second))
        await policy.shutdown()
    }

    @Test func aHostKilledDuringACallIsRetriedOnceAndItsEffectsAppliedOnce() async throws {
        let fixture = try Fixture()
        let directory = try TemporaryDirectory(prefix: "ingest-python-kill")
        let marker = directory.subpath("first-attempt-pid")
        try await fixture.registerObject("a")
        let policy = try await fixture.policy(
            """
            import os, time
            from irods_capability_automated_ingest.core import Core
            MARKER = \(String(reflecting: marker))
            class event_handler(Core):
                @staticmethod
                def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                    session.data_objects.get(meta["target"]).metadata.add("attempt_pid", str(os.getpid()))
                    logger.info("hook ran", pid=os.getpid())
                    if not os.path.exists(MARKER):
                        with open(MARKER + ".tmp", "w") as f:
                            f.write(str(os.getpid()))
                        os.rename(MARKER + ".tmp", MARKER)
                        time.sleep(600)
            """)
        let calls = Task {
            try await policy.runHooks([HookCall(hook: .postDataObjectCreate, entry: Fixture.file("a"))], job: Fixture.job)
        }
        #expect(try await eventually { FileManager.default.fileExists(atPath: marker) })
        let firstPID = try #require(pid_t(try String(contentsOfFile: marker, encoding: .utf8)))
        kill(firstPID, SIGKILL)
        let outcomes = try await calls.value
        #expect(outcomes == [HookOutcome()])
        let metadata = try #require(try await fixture.metadata(of: "a"))
        #expect(metadata.count == 1, "only the repeated call's write: \(metadata)")
        #expect(metadata.first?.value != String(firstPID))
        #expect(fixture.log.messages(containing: "hook ran").count == 1)
        #expect(fixture.log.messages(containing: "hook ran").first?.metadata["pid"] == metadata.first?.value)
        await policy.shutdown()
    }

    @Test func aHostThatDiesAgainFailsTheRequest() async throws {
        let fixture = try Fixture()
        let policy = try await fixture.policy(
            """
            import os
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def to_resource(session, meta, **options):
                    os._exit(3)
            """)
        await #expect {
            try await policy.decide([Fixture.file("a")], job: Fixture.job)
        } throws: { error in
            "\(error)".contains("exited with status 3")
        }
        await policy.shutdown()
    }

    @Test func cancellingACallStopsItsProcess() async throws {
        let fixture = try Fixture()
        let directory = try TemporaryDirectory(prefix: "ingest-python-cancel")
        let marker = directory.subpath("started")
        let policy = try await fixture.policy(
            """
            import time
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def pre_job(hdlr_mod, logger, meta):
                    open(\(String(reflecting: marker)), "w").close()
                    time.sleep(600)
            """)
        let pid = try #require(await policy.hostProcessID())
        let call = Task { try await policy.runHooks([HookCall(hook: .preJob)], job: Fixture.job) }
        #expect(try await eventually { FileManager.default.fileExists(atPath: marker) })
        call.cancel()
        await #expect(throws: CancellationError.self) { try await call.value }
        #expect(await policy.hostProcessID() == nil)
        #expect(kill(pid, 0) != 0, "the process is gone")
        await policy.shutdown()
    }
}
