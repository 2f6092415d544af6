import Foundation
import IngestCore
@testable import IngestSync
import IngestTesting
import Testing

/// The embedded Python package is unpacked once per version, atomically, and an installed
/// python-irodsclient wins over its fallback `irods` package.
@Suite struct PythonPolicyShimTests {
    typealias Fixture = PythonPolicyFixture

    @Test func concurrentUnpacksShareOneCompleteDirectory() async throws {
        let base = try TemporaryDirectory(prefix: "ingest-shim")
        let directories = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask { try PythonShim.unpack(into: base.subpath("cache")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(directories) == [base.subpath("cache") + "/" + PythonShim.digest])
        for (relative, text) in PythonShim.files {
            #expect(try String(contentsOfFile: directories[0] + "/" + relative, encoding: .utf8) == text)
        }
        let left = try FileManager.default.contentsOfDirectory(atPath: base.subpath("cache"))
        #expect(left == [PythonShim.digest], "no staging directory is left behind")
    }

    @Test func theCacheFollowsXDGThenHomeThenTMPDIR() {
        let bases = PythonShim.cacheBases(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/home/u", "TMPDIR": "/t"])
        #expect(bases == ["/x/ingest/python", "/home/u/.cache/ingest/python", "/t/ingest-python-\(getuid())"])
        #expect(PythonShim.cacheBases(environment: [:]) == ["/tmp/ingest-python-\(getuid())"])
    }

    @Test func anInstalledIrodsPackageWinsOverTheFallback() async throws {
        let directory = try TemporaryDirectory(prefix: "ingest-irods")
        try TreeBuilder.write(directory.path, "site/irods/__init__.py", "")
        try TreeBuilder.write(
            directory.path, "site/irods/meta.py",
            """
            class iRODSMeta(object):
                installed = True
                def __init__(self, name, value, units=None):
                    self.name, self.value, self.units = name, value, units
            """)
        let python = try TreeBuilder.write(
            directory.path, "python", "#!/bin/sh\nPYTHONPATH=\(directory.subpath("site")) exec \(PythonPolicy.defaultPython) \"$@\"\n")
        chmod(python, 0o755)
        let handler = """
            from irods_capability_automated_ingest.core import Core
            from irods.meta import iRODSMeta
            class event_handler(Core):
                @staticmethod
                def to_resource(session, meta, **options):
                    return "installed" if getattr(iRODSMeta, "installed", False) else "fallback"
            """
        let fixture = try Fixture()
        let withPackage = try await PythonPolicy(
            document: PolicyDocument(language: .python, filename: "h.py", text: handler), services: fixture.services, python: python,
            sharedValues: fixture.sharedValues)
        #expect(try await withPackage.decide([Fixture.file("a")], job: Fixture.job).first?.resource == "installed")
        await withPackage.shutdown()
        let without = try await fixture.policy(handler)
        #expect(try await without.decide([Fixture.file("a")], job: Fixture.job).first?.resource == "fallback")
        await without.shutdown()
    }
}
