import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Testing

/// `PythonPolicy.check` refuses a handler at job start with its file, line and what is wrong.
@Suite struct PythonPolicyCheckTests {
    private func refusal(_ text: String, filename: String = "handler.py", python: String = PythonPolicy.defaultPython) async -> String? {
        do {
            try await PythonPolicy.check(text: text, filename: filename, python: python)
            return nil
        } catch let error as IngestError {
            guard case .invalidOption(let name, let reason) = error, name == "--event_handler" else { return "wrong error: \(error)" }
            return reason
        } catch {
            return "wrong error: \(error)"
        }
    }

    @Test func aHandlerInUpstreamsShapeLoadsWithItsCapabilities() async throws {
        let capabilities = try await PythonPolicy.check(
            text: """
                from irods_capability_automated_ingest.core import Core
                from irods_capability_automated_ingest.utils import Operation, DeleteMode
                class event_handler(Core):
                    @staticmethod
                    def operation(session, meta, **options):
                        return Operation.PUT_SYNC
                    @staticmethod
                    def delete_mode(meta):
                        return DeleteMode.TRASH
                    @staticmethod
                    def post_data_obj_create(hdlr_mod, logger, session, meta, *args, **options):
                        pass
                """, filename: "put.py")
        #expect(capabilities.decidesFiles)
        #expect(!capabilities.namesDirectories)
        #expect(capabilities.decidesDeleteMode)
        #expect(capabilities.hooks == [.postDataObjectCreate])
    }

    @Test func aSyntaxErrorNamesTheFileAndLine() async {
        let reason = await refusal(
            """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                def operation(session, meta, **options)
                    return None
            """, filename: "broken.py")
        #expect(reason?.contains("'broken.py' line 3: syntax error") == true, "\(reason ?? "accepted")")
    }

    @Test func aFileWithoutTheClassIsRefused() async {
        let reason = await refusal(
            """
            from irods_capability_automated_ingest.core import Core
            class handler(Core):
                pass
            """)
        #expect(reason?.contains("no class event_handler") == true, "\(reason ?? "accepted")")
    }

    @Test func anExceptionAtImportShowsItsTraceback() async {
        let reason = await refusal(
            """
            import json
            settings = json.loads("{not json")
            class event_handler(object):
                pass
            """, filename: "settings.py")
        #expect(reason?.contains("raised an exception while loading") == true, "\(reason ?? "accepted")")
        #expect(reason?.contains(#"File "settings.py", line 2"#) == true, "\(reason ?? "accepted")")
        #expect(reason?.contains("JSONDecodeError") == true, "\(reason ?? "accepted")")
    }

    @Test(arguments: [
        (#""ab": "_""#, "'ab'"),
        (#"("a", "bc"): "_""#, "('a', 'bc')"),
        ("42: \"_\"", "42"),
        (#""a": "__""#, "'a'"),
        (#""a": None"#, "'a'"),
    ])
    func aBadCharacterMapIsRefusedNamingTheKey(_ entry: String, _ named: String) async {
        let reason = await refusal(
            """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @staticmethod
                def character_map():
                    return {\(entry)}
            """)
        #expect(reason?.contains("character_map() ") == true, "\(reason ?? "accepted")")
        #expect(reason?.contains(named) == true, "\(reason ?? "accepted")")
    }

    @Test func missingPythonSaysHowToFixIt() async {
        let reason = await refusal("class event_handler(object): pass", python: "/nonexistent/python3")
        #expect(reason?.contains("python '/nonexistent/python3' was not found") == true, "\(reason ?? "accepted")")
        #expect(reason?.contains("--python PATH") == true, "\(reason ?? "accepted")")
    }

    @Test func overridingTheTransferWrappersIsRefused() async {
        let reason = await refusal(
            """
            from irods_capability_automated_ingest.core import Core
            class event_handler(Core):
                @classmethod
                def on_data_obj_create(cls, func, *args, **options):
                    func(*args, **options)
            """)
        #expect(reason?.contains("on_data_obj_create") == true, "\(reason ?? "accepted")")
    }
}

/// A handler whose import never ends is refused at the load limit, and its process stopped.
@Suite struct PythonPolicyLoadLimitTests {
    @Test func aHandlerThatHangsWhileLoadingIsRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "ingest-python-hang")
        let pidFile = directory.subpath("pid")
        await #expect {
            try await PythonPolicy.check(
                text: """
                    import os, time
                    open(\(String(reflecting: pidFile)), "w").write(str(os.getpid()))
                    time.sleep(600)
                    class event_handler(object):
                        pass
                    """, filename: "slow.py", python: PythonPolicy.defaultPython, logger: .quiet, loadLimit: .seconds(8))
        } throws: { error in
            "\(error)".contains("'slow.py' did not finish loading within 8 s")
        }
        // On a loaded machine python may not have reached the handler's first line within the limit;
        // when it did, the process that hangs must be gone.
        if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let pid = pid_t(text) {
            #expect(try await eventually { kill(pid, 0) != 0 }, "its process is stopped")
        }
    }
}
